#Requires -Version 7.2
<#
ExchangeSoa: source of authority of Exchange attributes in hybrid Exchange, for PowerShell 7.

The module is a thin front end over the exchange-soa native library (soa_ffi), reached through
the P/Invoke declarations of SoaNative.cs. Every decision (who masters an attribute, whether an
edit sticks, what a rollback loses, which prerequisites block) is made by the library; the
cmdlets only turn parameters into the library's JSON and its JSON into objects. The same holds for
the simulated hybrid organization (the *-SoaSimulated* cmdlets, Invoke-SoaSyncCycle, ...): the
library runs AD, the sync engines, Exchange Online, RBAC and the audit log; an organization object
only carries the native handle to it. A real tenant is reached through the library's REST client
(Connect-SoaTenant); the Exchange Online cmdlets (Get-SoaMailbox, Set-SoaMailbox, ...) and the
transfer (New-SoaTransferPlan, Start-SoaTransfer, Undo-SoaTransfer, ...) take either -Org or
-Connection, and Start-SoaEmulator serves a simulated organization over the real wire protocol.
Compare-SoaDirectory reconciles an AD export with Exchange Online (an export, -Org or -Connection)
and Export-SoaWritebackPlan writes the LDIF and script that bring AD up to the cloud values;
Test-SoaScript audits PowerShell automation that still writes Exchange attributes on-premises.

Layout, all in one folder:
    ExchangeSoa.psd1 / ExchangeSoa.psm1 / ExchangeSoa.format.ps1xml / SoaNative.cs
    soa_ffi.dll (Windows), libsoa_ffi.so (Linux) or libsoa_ffi.dylib (macOS)
#>

# --- loading the native library ------------------------------------------------------------------

function Get-NativeLibraryFileName {
    if ($IsWindows) {
        return 'soa_ffi.dll'
    }
    if ($IsMacOS) {
        return 'libsoa_ffi.dylib'
    }
    return 'libsoa_ffi.so'
}

$script:NativeLibraryPath = Join-Path -Path $PSScriptRoot -ChildPath (Get-NativeLibraryFileName)
if (-not (Test-Path -LiteralPath $script:NativeLibraryPath -PathType Leaf)) {
    $message = "ExchangeSoa: the native library was not found at '$($script:NativeLibraryPath)'. " +
        "Build it with 'cargo build --release -p soa-ffi' and copy $(Get-NativeLibraryFileName) " +
        'from target/release next to ExchangeSoa.psd1.'
    throw [System.IO.FileNotFoundException]::new($message, $script:NativeLibraryPath)
}

# Add-Type cannot redefine a type in a session: compile SoaNative.cs only once, even when the
# module is removed and imported again.
if (-not ('ExchangeSoa.Api' -as [type])) {
    Add-Type -Path (Join-Path -Path $PSScriptRoot -ChildPath 'SoaNative.cs') -IgnoreWarnings
}

# DllImport("soa_ffi") would search the process's library path; bind it to the file next to the
# module instead (NativeLibrary.SetDllImportResolver, through SoaNative.cs).
$null = [ExchangeSoa.NativeLoader]::UseLibrary($script:NativeLibraryPath)
try {
    $script:NativeVersion = [ExchangeSoa.Api]::Version()
}
catch {
    $message = "ExchangeSoa: could not load the native library '$($script:NativeLibraryPath)': " +
        $_.Exception.GetBaseException().Message
    throw [System.DllNotFoundException]::new($message, $_.Exception)
}
$manifest = Import-PowerShellDataFile -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'ExchangeSoa.psd1')
if ($script:NativeVersion -ne $manifest.ModuleVersion) {
    Write-Warning -Message ("ExchangeSoa $($manifest.ModuleVersion) is running with native library " +
        "$($script:NativeVersion) from '$($script:NativeLibraryPath)'; use the library built with this module.")
}
Remove-Variable -Name manifest

$script:BuiltinCatalog = $null
$script:OverrideCatalogs = @{}

$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($entry in $script:OverrideCatalogs.Values) {
        $entry.Handle.Dispose()
    }
    $script:OverrideCatalogs = @{}
    if ($null -ne $script:BuiltinCatalog) {
        $script:BuiltinCatalog.Dispose()
        $script:BuiltinCatalog = $null
    }
}

# --- private helpers ---------------------------------------------------------------------------

# The catalog to use: the built-in one, or the built-in one with an override file applied. Both
# are cached; an override file is read again when it changes.
function Get-CatalogHandle {
    param([string] $OverridePath)

    if ($null -eq $script:BuiltinCatalog -or $script:BuiltinCatalog.IsClosed) {
        $script:BuiltinCatalog = [ExchangeSoa.Api]::BuiltinCatalog()
    }
    if ([string]::IsNullOrEmpty($OverridePath)) {
        return $script:BuiltinCatalog
    }
    $item = Get-Item -LiteralPath $OverridePath -ErrorAction Stop
    $fullPath = $item.FullName
    $stamp = $item.LastWriteTimeUtc.Ticks
    $cached = $script:OverrideCatalogs[$fullPath]
    if ($null -ne $cached -and $cached.Stamp -eq $stamp -and -not $cached.Handle.IsClosed) {
        return $cached.Handle
    }
    $handle = [ExchangeSoa.Api]::WithOverrideFile($script:BuiltinCatalog, $fullPath)
    if ($null -ne $cached) {
        $cached.Handle.Dispose()
    }
    $script:OverrideCatalogs[$fullPath] = @{ Stamp = $stamp; Handle = $handle }
    return $handle
}

# The SoaException inside the wrappers PowerShell puts around exceptions from .NET methods.
function Get-NativeException {
    param([System.Exception] $Exception)

    $current = $Exception
    while ($null -ne $current) {
        if ($current -is [ExchangeSoa.SoaException]) {
            return $current
        }
        $current = $current.InnerException
    }
    return $null
}

# An ErrorRecord for a caught error: a SoaException gets its status name as the error id and a
# category from its status (300 ObjectNotFound, 301 PermissionDenied, 302/303 InvalidOperation, bad
# input InvalidArgument); a disposed handle is an InvalidOperation; any other error is passed on as
# it is.
function ConvertTo-NativeErrorRecord {
    param(
        [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [object] $TargetObject,
        [System.Management.Automation.ErrorCategory] $UnknownAttributeCategory = 'InvalidArgument',
        [System.Management.Automation.ErrorCategory] $IoCategory = 'ReadError'
    )

    $soa = Get-NativeException -Exception $ErrorRecord.Exception
    if ($null -eq $soa) {
        $base = $ErrorRecord.Exception.GetBaseException()
        if ($base -is [System.ObjectDisposedException]) {
            return [System.Management.Automation.ErrorRecord]::new($base, 'HandleDisposed', 'InvalidOperation', $TargetObject)
        }
        return $ErrorRecord
    }
    $category = switch ([int]$soa.Status) {
        1 { 'InvalidArgument' }
        2 { 'InvalidArgument' }
        4 { 'InvalidOperation' }
        104 { $UnknownAttributeCategory }
        105 { 'InvalidData' }
        200 { $IoCategory }
        300 { 'ObjectNotFound' }
        301 { 'PermissionDenied' }
        302 { 'InvalidOperation' }
        303 { 'InvalidOperation' }
        310 { 'LimitsExceeded' }
        311 { 'ConnectionError' }
        312 { 'AuthenticationError' }
        313 { 'ProtocolError' }
        400 { 'OperationStopped' }
        default {
            if ($soa.IsInvalidInput) { 'InvalidArgument' } else { 'NotSpecified' }
        }
    }
    return [System.Management.Automation.ErrorRecord]::new($soa, $soa.StatusName, $category, $TargetObject)
}

# An ErrorRecord for a parameter value the module refuses before calling the library.
function ConvertTo-InvalidArgumentRecord {
    param([string] $Message, [string] $ErrorId, [object] $TargetObject)

    $exception = [System.ArgumentException]::new($Message)
    return [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, 'InvalidArgument', $TargetObject)
}

function ConvertTo-CompactJson {
    param([AllowNull()] [object] $InputObject)

    return ConvertTo-Json -InputObject $InputObject -Compress -Depth 16 -EnumsAsStrings
}

# RFC 3339 text in UTC for the library. A DateTime of unspecified kind (what [datetime]'2026-01-01'
# gives) is taken as local time, as PowerShell itself does.
function ConvertTo-Rfc3339 {
    param([datetime] $Time)

    $utc = $Time.ToUniversalTime()
    return $utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

# A MailboxState as JSON.
function ConvertTo-StateJson {
    param([bool] $DirSynced, [bool] $CloudManaged, [string] $RecipientType)

    $recipient = $null
    if (-not [string]::IsNullOrWhiteSpace($RecipientType)) {
        $recipient = $RecipientType.Trim()
    }
    $state = [ordered]@{
        dir_synced     = $DirSynced
        cloud_managed  = $CloudManaged
        recipient_type = $recipient
    }
    return ConvertTo-CompactJson -InputObject $state
}

function ConvertTo-AttributeObject {
    param([object] $Attribute)

    [pscustomobject]@{
        PSTypeName     = 'ExchangeSoa.Attribute'
        Name           = $Attribute.name
        Class          = $Attribute.class
        ValueKind      = $Attribute.value_kind
        LdapName       = $Attribute.ldap_name
        ExoProperty    = $Attribute.exo_property
        Parameter      = $Attribute.parameter
        GraphName      = $Attribute.graph_name
        WrittenBack    = [bool]$Attribute.writeback
        WritebackSince = $Attribute.writeback_since
        Confirmed      = [bool]$Attribute.confirmed
        Sources        = [string[]]@($Attribute.sources)
        Note           = $Attribute.note
    }
}

function ConvertTo-FindingObject {
    param([object] $Finding)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.Finding'
        Severity   = $Finding.severity
        Code       = $Finding.code
        Subject    = $Finding.subject
        Message    = $Finding.message
        Fix        = $Finding.fix
        Blocks     = ($Finding.severity -eq 'block')
    }
}

# The parts of a Preflight that both Test-SoaPrerequisite and Test-SoaMailbox pass.
function ConvertTo-RequirementsEntry {
    param([System.Collections.IDictionary] $Requirement, [System.Collections.IDictionary] $Preflight)

    if ($null -ne $Requirement -and $Requirement.Count -gt 0) {
        $Preflight['requirements'] = $Requirement
    }
}

# Attribute values keyed by attribute name (a hashtable, an object or JSON text) as a JSON
# object; $null for anything else.
function ConvertTo-ValueMapJson {
    param([object] $InputObject)

    if ($InputObject -is [string]) {
        return [string]$InputObject
    }
    if ($InputObject -is [System.Collections.IDictionary] -or $InputObject -is [System.Management.Automation.PSCustomObject]) {
        return ConvertTo-CompactJson -InputObject $InputObject
    }
    return $null
}

# The Get-Mailbox properties that the library reads (the serde shape of soa_core::model::Mailbox).
$script:MailboxProperties = @(
    'Identity', 'Name', 'Alias', 'DisplayName', 'UserPrincipalName', 'PrimarySmtpAddress',
    'WindowsEmailAddress', 'EmailAddresses', 'RecipientTypeDetails', 'ExchangeGuid',
    'ExternalDirectoryObjectId', 'Guid', 'IsDirSynced', 'IsExchangeCloudManaged',
    'HiddenFromAddressListsEnabled', 'ForwardingAddress', 'ForwardingSmtpAddress',
    'DeliverToMailboxAndForward', 'LitigationHoldEnabled', 'WhenChanged', 'WhenChangedUTC',
    'WhenCreated', 'WhenCreatedUTC'
) + @(1..15 | ForEach-Object { "CustomAttribute$_" }) + @(1..5 | ForEach-Object { "ExtensionCustomAttribute$_" })

# A mailbox (a Get-Mailbox object, a hashtable or JSON text) as the JSON the library reads.
function ConvertTo-MailboxJson {
    param([object] $InputObject)

    if ($InputObject -is [string]) {
        return [string]$InputObject
    }
    $mailbox = [ordered]@{}
    foreach ($name in $script:MailboxProperties) {
        $value = $null
        if ($InputObject -is [System.Collections.IDictionary]) {
            if (-not $InputObject.Contains($name)) {
                continue
            }
            $value = $InputObject[$name]
        }
        else {
            $property = $InputObject.PSObject.Properties[$name]
            if ($null -eq $property) {
                continue
            }
            $value = $property.Value
        }
        if ($value -is [System.Management.Automation.PSObject]) {
            $value = $value.PSObject.BaseObject
        }
        if ($null -eq $value -or $value -is [bool] -or $value -is [string]) {
            $mailbox[$name] = $value
        }
        elseif ($value -is [datetime] -or $value -is [System.DateTimeOffset]) {
            $mailbox[$name] = $value.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
        }
        elseif ($value -is [System.Collections.IEnumerable]) {
            $mailbox[$name] = [string[]]@(foreach ($item in $value) { [string]$item })
        }
        else {
            $mailbox[$name] = $value.ToString()
        }
    }
    return ConvertTo-CompactJson -InputObject $mailbox
}

# --- cmdlets -------------------------------------------------------------------------------------

function Get-SoaAttribute {
    <#
    .SYNOPSIS
    Gets attributes from the exchange-soa catalog.

    .DESCRIPTION
    Looks an attribute up by any of its names (LDAP name, Exchange Online property, Set-Mailbox
    parameter or Graph name; case-insensitive; wildcards allowed) and writes its class (identity,
    exchange or cloud_only), whether Entra Cloud Sync writes it back to AD, and its provenance.
    Without -Name, writes every attribute of the catalog.

    .PARAMETER Name
    Names of attributes. Wildcards match any of an attribute's names.

    .PARAMETER OverridePath
    An override file (JSON, {"attributes": [...]}) to apply to the built-in catalog.

    .EXAMPLE
    Get-SoaAttribute extensionAttribute1

    .EXAMPLE
    Get-SoaAttribute | Where-Object WrittenBack
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Attribute')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Attribute')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        try {
            $catalog = Get-CatalogHandle -OverridePath $OverridePath
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
        }
        $all = $null
    }

    process {
        $wanted = $Name
        if ($null -eq $wanted) {
            $wanted = @('*')
        }
        foreach ($item in $wanted) {
            try {
                if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($item)) {
                    if ($null -eq $all) {
                        $all = @([ExchangeSoa.Api]::CatalogJson($catalog) | ConvertFrom-Json)
                    }
                    $pattern = [System.Management.Automation.WildcardPattern]::new($item, 'IgnoreCase')
                    foreach ($attribute in $all) {
                        $names = @($attribute.name, $attribute.ldap_name, $attribute.exo_property, $attribute.parameter, $attribute.graph_name)
                        $matched = @($names | Where-Object { $null -ne $_ -and $pattern.IsMatch($_) })
                        if ($matched.Count -gt 0) {
                            ConvertTo-AttributeObject -Attribute $attribute
                        }
                    }
                }
                else {
                    $attribute = [ExchangeSoa.Api]::Lookup($catalog, $item) | ConvertFrom-Json
                    ConvertTo-AttributeObject -Attribute $attribute
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item -UnknownAttributeCategory 'ObjectNotFound'))
            }
        }
    }
}

function Get-SoaAuthority {
    <#
    .SYNOPSIS
    Gets where an attribute is mastered for a mailbox in a given state.

    .DESCRIPTION
    Writes who masters the attribute: on_premises_ad, exchange_online or entra_id. Identity
    attributes of a dir-synced user stay in AD; exchange attributes follow IsExchangeCloudManaged;
    cloud-only settings are always in Exchange Online. Pipe Get-Mailbox output to take the state
    from the mailbox (IsDirSynced, IsExchangeCloudManaged, RecipientTypeDetails).

    .EXAMPLE
    Get-SoaAuthority -Attribute proxyAddresses -DirSynced $true -CloudManaged $true

    .EXAMPLE
    Get-Mailbox alice | Get-SoaAuthority -Attribute CustomAttribute1, displayName
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Authority')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced,

        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string] $RecipientType,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        try {
            $catalog = Get-CatalogHandle -OverridePath $OverridePath
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
        }
    }

    process {
        $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
        foreach ($name in $Attribute) {
            try {
                $row = [ExchangeSoa.Api]::Lookup($catalog, $name) | ConvertFrom-Json
                $authority = [ExchangeSoa.Api]::Master($catalog, $state, $name) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName    = 'ExchangeSoa.Authority'
                    Attribute     = $row.name
                    Class         = $row.class
                    Authority     = $authority
                    DirSynced     = $DirSynced
                    CloudManaged  = $CloudManaged
                    RecipientType = $RecipientType
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $name))
            }
        }
    }
}

function Test-SoaEdit {
    <#
    .SYNOPSIS
    Tests whether an edit, made where you plan to make it, will stick.

    .DESCRIPTION
    Decides a proposed edit for a mailbox in a state: whether it is allowed where proposed, where
    the attribute is mastered, the command that makes the edit there (values safely quoted),
    and whether AD will see the new value (directly, through Cloud Sync writeback, or never).
    An invalid value (a bad proxy address set, a non-Boolean for a Boolean attribute) is an error.

    .PARAMETER Location
    Where the edit would be made: ExchangeOnline (Set-Mailbox), OnPremisesExchange
    (Set-RemoteMailbox) or ActiveDirectory (Set-ADUser, ADSI Edit, an identity tool).

    .PARAMETER DirSynced
    Whether the user is synchronized from AD (default $true).

    .PARAMETER CloudManaged
    Whether the mailbox's IsExchangeCloudManaged is true (default $false).

    .EXAMPLE
    Test-SoaEdit -Attribute extensionAttribute1 -Value 'Sales' -Location ActiveDirectory -CloudManaged $true
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.EditDecision')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Name')]
        [ValidateNotNullOrEmpty()]
        [string] $Attribute,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [AllowNull()]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [object] $Value,

        [Parameter(Mandatory, Position = 2, ValueFromPipelineByPropertyName)]
        [ValidateSet('ExchangeOnline', 'OnPremisesExchange', 'ActiveDirectory')]
        [string] $Location,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $Identity,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged = $false,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced = $true,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string] $RecipientType,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        try {
            $catalog = Get-CatalogHandle -OverridePath $OverridePath
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
        }
        $locations = @{
            ExchangeOnline     = 'exchange_online'
            OnPremisesExchange = 'on_premises_exchange'
            ActiveDirectory    = 'active_directory'
        }
    }

    process {
        $identityValue = $null
        if (-not [string]::IsNullOrEmpty($Identity)) {
            $identityValue = $Identity
        }
        $edit = [ordered]@{
            attribute = $Attribute
            value     = $Value
            location  = $locations[$Location]
            identity  = $identityValue
        }
        try {
            $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
            $decision = [ExchangeSoa.Api]::DecideEdit($catalog, $state, (ConvertTo-CompactJson -InputObject $edit)) | ConvertFrom-Json
            [pscustomobject]@{
                PSTypeName   = 'ExchangeSoa.EditDecision'
                Attribute    = $decision.attribute
                Class        = $decision.class
                Location     = $Location
                Identity     = $identityValue
                Allowed      = [bool]$decision.allowed
                Authority    = $decision.authority
                Tool         = $decision.tool
                AdVisibility = $decision.ad_visibility
                WrittenBack  = [bool]$decision.written_back
                Reason       = $decision.reason
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Attribute))
        }
    }
}

function Get-SoaRollbackLoss {
    <#
    .SYNOPSIS
    Gets the cloud values that rolling a mailbox back to on-premises management would lose.

    .DESCRIPTION
    When IsExchangeCloudManaged goes back to false, the next sync overwrites the cloud's
    exchange attributes with AD's. Give the cloud values and the AD values (hashtables or objects
    from attribute names to values; any catalog name) and get the values that would be lost.

    .EXAMPLE
    Get-SoaRollbackLoss -CloudValue @{ CustomAttribute1 = 'new' } -AdValue @{ extensionAttribute1 = 'old' }
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RollbackLoss')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNull()]
        [object] $CloudValue,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNull()]
        [object] $AdValue = @{},

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsDirSynced')]
        [bool] $DirSynced = $true,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('IsExchangeCloudManaged')]
        [bool] $CloudManaged = $true,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string] $RecipientType,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        try {
            $catalog = Get-CatalogHandle -OverridePath $OverridePath
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
        }
    }

    process {
        $cloudJson = ConvertTo-ValueMapJson -InputObject $CloudValue
        $adJson = ConvertTo-ValueMapJson -InputObject $AdValue
        foreach ($pair in @(@('CloudValue', $cloudJson, $CloudValue), @('AdValue', $adJson, $AdValue))) {
            if ($null -eq $pair[1]) {
                $record = ConvertTo-InvalidArgumentRecord -ErrorId 'ValuesNotAMap' -TargetObject $pair[2] -Message (
                    "-$($pair[0]) must be a hashtable, an object or JSON text that maps attribute names to values, " +
                    "not $($pair[2].GetType().FullName).")
                $PSCmdlet.WriteError($record)
                return
            }
        }
        try {
            $state = ConvertTo-StateJson -DirSynced $DirSynced -CloudManaged $CloudManaged -RecipientType $RecipientType
            $loss = [ExchangeSoa.Api]::RollbackLoss($catalog, $state, $cloudJson, $adJson) | ConvertFrom-Json
            $entries = foreach ($lost in @($loss.entries)) {
                [pscustomobject]@{
                    PSTypeName  = 'ExchangeSoa.LossEntry'
                    Attribute   = $lost.attribute
                    LdapName    = $lost.ldap_name
                    CloudValue  = $lost.cloud_value
                    AdValue     = $lost.ad_value
                    WrittenBack = [bool]$lost.written_back
                }
            }
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RollbackLoss'
                Applies    = [bool]$loss.applies
                IsLossless = (@($entries).Count -eq 0)
                Summary    = $loss.summary
                Entries    = @($entries)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $CloudValue))
        }
    }
}

function Test-SoaProxyAddress {
    <#
    .SYNOPSIS
    Tests proxy addresses (EmailAddresses, AD proxyAddresses).

    .DESCRIPTION
    Writes one object per address with IsValid and, for an invalid address, the reason in Error;
    a malformed address is a result here, not an error. With -Set, validates all the addresses
    received as one mailbox's set (exactly one primary SMTP address, no duplicates) and writes
    one object.

    .EXAMPLE
    'SMTP:alice@contoso.com', 'smtp:alice@fabrikam', 'bogus' | Test-SoaProxyAddress

    .EXAMPLE
    (Get-Mailbox alice).EmailAddresses | Test-SoaProxyAddress -Set
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.ProxyAddress', 'ExchangeSoa.ProxyAddressSet')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('EmailAddresses', 'ProxyAddresses')]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [string[]] $Address,

        [Parameter()]
        [switch] $Set
    )

    begin {
        $collected = [System.Collections.Generic.List[string]]::new()
    }

    process {
        foreach ($text in $Address) {
            if ($Set) {
                $collected.Add($text)
                continue
            }
            try {
                $parsed = [ExchangeSoa.Api]::ParseProxyAddress($text) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName  = 'ExchangeSoa.ProxyAddress'
                    Address     = $text
                    IsValid     = $true
                    Prefix      = $parsed.prefix
                    AddressPart = $parsed.address
                    IsPrimary   = [bool]$parsed.primary
                    IsSmtp      = [bool]$parsed.is_smtp
                    Error       = $null
                }
            }
            catch {
                $soa = Get-NativeException -Exception $_.Exception
                if ($null -eq $soa -or -not $soa.IsInvalidInput) {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $text))
                    continue
                }
                [pscustomobject]@{
                    PSTypeName  = 'ExchangeSoa.ProxyAddress'
                    Address     = $text
                    IsValid     = $false
                    Prefix      = $null
                    AddressPart = $null
                    IsPrimary   = $false
                    IsSmtp      = $false
                    Error       = $soa.Message
                }
            }
        }
    }

    end {
        if (-not $Set) {
            return
        }
        $addresses = $collected.ToArray()
        try {
            $parsed = [ExchangeSoa.Api]::ParseProxyAddresses((ConvertTo-CompactJson -InputObject $addresses)) | ConvertFrom-Json
            [pscustomobject]@{
                PSTypeName         = 'ExchangeSoa.ProxyAddressSet'
                IsValid            = $true
                PrimarySmtpAddress = $parsed.primary_smtp
                Addresses          = [string[]]@($parsed.addresses | ForEach-Object { $_.text })
                Count              = $addresses.Count
                Error              = $null
            }
        }
        catch {
            $soa = Get-NativeException -Exception $_.Exception
            if ($null -eq $soa -or -not $soa.IsInvalidInput) {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $addresses))
                return
            }
            [pscustomobject]@{
                PSTypeName         = 'ExchangeSoa.ProxyAddressSet'
                IsValid            = $false
                PrimarySmtpAddress = $null
                Addresses          = [string[]]$addresses
                Count              = $addresses.Count
                Error              = $soa.Message
            }
        }
    }
}

function Test-SoaSmtpAddress {
    <#
    .SYNOPSIS
    Tests SMTP addresses.

    .DESCRIPTION
    Writes one object per address with IsValid, the local part and the domain, or the reason in
    Error; a malformed address is a result here, not an error.

    .EXAMPLE
    'alice@contoso.com', 'alice.contoso.com' | Test-SoaSmtpAddress
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SmtpAddress')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('PrimarySmtpAddress', 'WindowsEmailAddress')]
        [AllowEmptyString()]
        [string[]] $Address
    )

    process {
        foreach ($text in $Address) {
            try {
                $parsed = [ExchangeSoa.Api]::ParseSmtpAddress($text) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName = 'ExchangeSoa.SmtpAddress'
                    Address    = $text
                    IsValid    = $true
                    LocalPart  = $parsed.local_part
                    Domain     = $parsed.domain
                    Error      = $null
                }
            }
            catch {
                $soa = Get-NativeException -Exception $_.Exception
                if ($null -eq $soa -or -not $soa.IsInvalidInput) {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $text))
                    continue
                }
                [pscustomobject]@{
                    PSTypeName = 'ExchangeSoa.SmtpAddress'
                    Address    = $text
                    IsValid    = $false
                    LocalPart  = $null
                    Domain     = $null
                    Error      = $soa.Message
                }
            }
        }
    }
}

function Test-SoaRecipientType {
    <#
    .SYNOPSIS
    Tests whether recipient types can be cloud-managed.

    .DESCRIPTION
    Writes the canonical name of each RecipientTypeDetails value, whether a mailbox of that type
    can have IsExchangeCloudManaged set, and why not.

    .EXAMPLE
    Get-Mailbox -ResultSize 10 | Test-SoaRecipientType
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RecipientType')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [string[]] $RecipientType
    )

    process {
        foreach ($text in $RecipientType) {
            try {
                $parsed = [ExchangeSoa.Api]::ParseRecipientType($text) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName          = 'ExchangeSoa.RecipientType'
                    RecipientType       = $parsed.name
                    IsEligible          = [bool]$parsed.eligible
                    IneligibilityReason = $parsed.ineligibility_reason
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $text))
            }
        }
    }
}

function Test-SoaPrerequisite {
    <#
    .SYNOPSIS
    Tests the organization's prerequisites for cloud-managed mailboxes.

    .DESCRIPTION
    Checks the sync engines (Entra Connect Sync version, the Cloud Sync provisioning agent when
    writeback is wanted), the tenant (the tenant-wide default while on-premises provisioning is
    in use, the writeback capacity for the planned wave) and the caller's roles, and writes a
    Finding per problem, with a severity (a 'block' finding stops a transfer) and a fix.
    Nothing is written when every check passes.

    .PARAMETER ConnectSyncVersion
    Entra Connect Sync version, from (Get-ADSyncGlobalSettings).Parameters['Microsoft.Synchronize.ServerConfigurationVersion'].

    .PARAMETER Role
    Entra roles and Exchange Online role groups the caller holds (activated, if through PIM).

    .PARAMETER CustomRoleParameter
    Cmdlet parameters granted through custom management roles, written 'Cmdlet -Parameter'.

    .PARAMETER PlannedCount
    The number of mailboxes about to be flipped.

    .PARAMETER Requirement
    Thresholds to change (keys of the library's Requirements: connect_sync_minimum,
    cloud_sync_writeback_minimum, sync_interval_minutes, settle_hours, writeback_capacity,
    writeback_warn_ratio, sufficient_roles).

    .EXAMPLE
    Test-SoaPrerequisite -ConnectSyncVersion 2.5.190.0 -WritebackWanted -CloudSyncAgentVersion 1.1.1107.0 -Role 'Exchange Administrator'
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Finding')]
    param(
        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $ConnectSyncVersion,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $CloudSyncAgentVersion,

        [Parameter()]
        [switch] $WritebackWanted,

        [Parameter()]
        [switch] $WritebackEnabled,

        [Parameter()]
        [switch] $CloudManagedByDefault,

        [Parameter()]
        [switch] $OnPremisesProvisioningInUse,

        [Parameter()]
        [uint64] $CloudManagedMailboxCount = 0,

        [Parameter()]
        [uint64] $PlannedCount = 0,

        [Parameter()]
        [string] $CallerName,

        [Parameter()]
        [AllowEmptyCollection()]
        [string[]] $Role,

        [Parameter()]
        [string[]] $CustomRoleParameter,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement
    )

    process {
        $versions = [ordered]@{ ConnectSyncVersion = $ConnectSyncVersion; CloudSyncAgentVersion = $CloudSyncAgentVersion }
        $normalized = @{}
        foreach ($parameter in $versions.Keys) {
            $text = $versions[$parameter]
            if ([string]::IsNullOrWhiteSpace($text)) {
                $normalized[$parameter] = $null
                continue
            }
            try {
                $normalized[$parameter] = [ExchangeSoa.Api]::ParseSyncVersion($text)
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $text))
                return
            }
        }
        $preflight = [ordered]@{
            sync   = [ordered]@{
                connect_sync_version     = $normalized['ConnectSyncVersion']
                cloud_sync_agent_version = $normalized['CloudSyncAgentVersion']
                writeback_wanted         = [bool]$WritebackWanted
            }
            tenant = [ordered]@{
                cloud_managed_by_default        = [bool]$CloudManagedByDefault
                on_premises_provisioning_in_use = [bool]$OnPremisesProvisioningInUse
                cloud_managed_mailboxes         = $CloudManagedMailboxCount
                writeback_enabled               = [bool]$WritebackEnabled
            }
        }
        $hasCaller = $PSBoundParameters.ContainsKey('Role') -or $PSBoundParameters.ContainsKey('CustomRoleParameter') -or
            $PSBoundParameters.ContainsKey('CallerName')
        if ($hasCaller) {
            $callerName = ''
            if (-not [string]::IsNullOrEmpty($CallerName)) {
                $callerName = $CallerName
            }
            $preflight['caller'] = [ordered]@{
                name                   = $callerName
                roles                  = [string[]]@($Role | Where-Object { $null -ne $_ })
                custom_role_parameters = [string[]]@($CustomRoleParameter | Where-Object { $null -ne $_ })
            }
        }
        ConvertTo-RequirementsEntry -Requirement $Requirement -Preflight $preflight
        try {
            $report = [ExchangeSoa.Api]::CheckOrganization((ConvertTo-CompactJson -InputObject $preflight), $PlannedCount) | ConvertFrom-Json
            foreach ($finding in @($report.findings)) {
                ConvertTo-FindingObject -Finding $finding
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $preflight))
        }
    }
}

function Test-SoaMailbox {
    <#
    .SYNOPSIS
    Tests whether mailboxes can be transferred to cloud management.

    .DESCRIPTION
    Checks each mailbox (a Get-Mailbox object, a hashtable with Get-Mailbox property names, or
    the JSON of one mailbox): its recipient type, that it is dir-synced and not yet cloud-managed,
    and that it has not changed on-premises within the last sync cycle plus 24 hours. Writes a
    Finding per problem; nothing for a mailbox that is ready. Read mailboxes with Get-Mailbox:
    Get-EXOMailbox reportedly does not return IsExchangeCloudManaged.

    .PARAMETER AdWhenChanged
    AD's whenChanged for the user; preferred over the mailbox's WhenChangedUTC, which also moves
    on cloud-side changes.

    .PARAMETER Now
    The time to check against (default: now).

    .EXAMPLE
    Get-Mailbox -ResultSize Unlimited | Test-SoaMailbox | Where-Object Blocks
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Finding')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNull()]
        [object] $InputObject,

        [Parameter()]
        [datetime] $AdWhenChanged,

        [Parameter()]
        [datetime] $Now,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement
    )

    begin {
        $preflight = [ordered]@{}
        ConvertTo-RequirementsEntry -Requirement $Requirement -Preflight $preflight
        $preflightJson = ConvertTo-CompactJson -InputObject $preflight
        $changed = $null
        if ($PSBoundParameters.ContainsKey('AdWhenChanged')) {
            $changed = ConvertTo-Rfc3339 -Time $AdWhenChanged
        }
        $at = $null
        if ($PSBoundParameters.ContainsKey('Now')) {
            $at = ConvertTo-Rfc3339 -Time $Now
        }
    }

    process {
        if ($InputObject -is [string] -and ([string]$InputObject).TrimStart().StartsWith('[')) {
            $record = ConvertTo-InvalidArgumentRecord -ErrorId 'MailboxJsonIsArray' -TargetObject $InputObject -Message (
                'The JSON text holds an array; pass one mailbox per string, or pipe ConvertFrom-Json output instead.')
            $PSCmdlet.WriteError($record)
            return
        }
        try {
            $json = ConvertTo-MailboxJson -InputObject $InputObject
            $report = [ExchangeSoa.Api]::CheckMailbox($preflightJson, $json, $changed, $at) | ConvertFrom-Json
            foreach ($finding in @($report.findings)) {
                ConvertTo-FindingObject -Finding $finding
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $InputObject))
        }
    }
}

function ConvertTo-SoaSyncVersion {
    <#
    .SYNOPSIS
    Converts sync engine version text to its normal four-part form.

    .DESCRIPTION
    Parses versions such as ' 2.5.190.0 ' (four numeric parts, surrounding whitespace allowed)
    and writes the normal form; a malformed version is an InvalidArgument error.

    .EXAMPLE
    (Get-ADSyncGlobalSettings).Parameters['Microsoft.Synchronize.ServerConfigurationVersion'].Value | ConvertTo-SoaSyncVersion
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SyncVersion')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [AllowEmptyString()]
        [string[]] $Version
    )

    process {
        foreach ($text in $Version) {
            try {
                $normal = [ExchangeSoa.Api]::ParseSyncVersion($text)
                [pscustomobject]@{
                    PSTypeName = 'ExchangeSoa.SyncVersion'
                    Version    = $normal
                    Input      = $text
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $text))
            }
        }
    }
}

function Compare-SoaSyncVersion {
    <#
    .SYNOPSIS
    Compares two sync engine versions numerically.

    .DESCRIPTION
    Writes -1, 0 or 1 as ReferenceVersion is lower than, equal to or higher than
    DifferenceVersion (2.5.79.0 is lower than 2.5.190.0).

    .EXAMPLE
    if ((Compare-SoaSyncVersion -ReferenceVersion $installed -DifferenceVersion 2.5.190.0) -lt 0) { 'upgrade first' }
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [string] $ReferenceVersion,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [string] $DifferenceVersion
    )

    process {
        try {
            [ExchangeSoa.Api]::CompareSyncVersions($ReferenceVersion, $DifferenceVersion)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject @($ReferenceVersion, $DifferenceVersion)))
        }
    }
}

# --- simulated organization: private helpers -----------------------------------------------------

# The object that every -Org parameter takes ([PSTypeName('ExchangeSoa.SimulatedOrg')]), made by
# New-SoaSimulatedOrg, Import-SoaSimulatedOrg or Connect-SoaSimulatedOrg around a native handle.
function ConvertTo-SimulatedOrgObject {
    param([object] $Handle, [AllowNull()] [object] $Tenant, [AllowNull()] [object] $Principal)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.SimulatedOrg'
        Tenant     = $Tenant
        Principal  = $Principal
        Handle     = $Handle
    }
}

# The tenant of an organization the module did not name itself (a generated or loaded one), from
# Get-OrganizationConfig; $null when the caller may not read it.
function Get-SimulatedTenant {
    param([object] $Handle)

    try {
        return ([ExchangeSoa.Api]::GetOrganizationConfig($Handle) | ConvertFrom-Json).Name
    }
    catch {
        return $null
    }
}

# A full file-system path for a path given to a cmdlet, relative to PowerShell's current location
# (not the process's), taken literally.
function Resolve-LiteralFilePath {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Path)

    return $Cmdlet.GetUnresolvedProviderPathFromPSPath($Path)
}

# Inserts a type name so that the format file and -is checks recognise an object.
function Add-ObjectTypeName {
    param([object] $InputObject, [string] $TypeName)

    $InputObject.PSObject.TypeNames.Insert(0, $TypeName)
    return $InputObject
}

# The properties of a JSON object (as ConvertFrom-Json gives it) as an ordered dictionary.
function ConvertTo-OrderedDictionary {
    param([object] $InputObject)

    $dictionary = [ordered]@{}
    if ($null -ne $InputObject) {
        foreach ($property in $InputObject.PSObject.Properties) {
            $dictionary[$property.Name] = $property.Value
        }
    }
    return $dictionary
}

# One mailbox of the library's JSON (the Get-Mailbox | ConvertTo-Json shape) as an object with the
# Get-Mailbox property names, which the other cmdlets accept from the pipeline.
function ConvertTo-SimulatedMailboxObject {
    param([object] $Mailbox)

    return Add-ObjectTypeName -InputObject $Mailbox -TypeName 'ExchangeSoa.SimulatedMailbox'
}

function ConvertTo-SyncErrorObject {
    param([object] $SyncError)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.SyncError'
        Object     = $SyncError.object
        Code       = $SyncError.code
        Message    = $SyncError.message
        Time       = $SyncError.time
    }
}

# A SyncReport or a WritebackReport (or a CycleReport, which is either with a "cycle" tag).
function ConvertTo-CycleReportObject {
    param([object] $Report, [string] $Cycle)

    if ([string]::IsNullOrEmpty($Cycle)) {
        $Cycle = $Report.cycle
    }
    if ($Cycle -eq 'writeback') {
        $written = @(foreach ($pair in @($Report.written)) {
                [pscustomobject]@{
                    PSTypeName        = 'ExchangeSoa.WrittenBackValue'
                    UserPrincipalName = $pair[0]
                    LdapName          = $pair[1]
                }
            })
        return [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.WritebackReport'
            Cycle      = 'Writeback'
            Time       = $Report.time
            Ran        = [bool]$Report.ran
            Reason     = $Report.reason
            Written    = $written
        }
    }
    # Each pair of the report is (UPN, attribute).
    $overwritten = @(foreach ($pair in @($Report.overwritten)) {
            [pscustomobject]@{
                PSTypeName        = 'ExchangeSoa.OverwrittenValue'
                UserPrincipalName = $pair[0]
                Attribute         = $pair[1]
            }
        })
    $errors = @(foreach ($syncError in @($Report.errors)) {
            ConvertTo-SyncErrorObject -SyncError $syncError
        })
    return [pscustomobject]@{
        PSTypeName   = 'ExchangeSoa.SyncReport'
        Cycle        = 'Sync'
        Time         = $Report.time
        Processed    = $Report.processed
        Created      = [string[]]@($Report.created)
        Deleted      = [string[]]@($Report.deleted)
        Updated      = $Report.updated
        Overwritten  = $overwritten
        Blocked      = [string[]]@($Report.blocked)
        IdentityOnly = [string[]]@($Report.identity_only)
        Errors       = $errors
    }
}

# An AD account's attributes (keyed by LDAP name) as one object: Identity first, then the
# attributes as properties, as Get-ADUser -Properties shows them.
function ConvertTo-SimulatedAdUserObject {
    param([string] $Identity, [string] $ObjectGuid, [string] $AttributesJson)

    $user = [ordered]@{ Identity = $Identity }
    if (-not [string]::IsNullOrEmpty($ObjectGuid)) {
        $user['ObjectGuid'] = $ObjectGuid
    }
    $attributes = ConvertFrom-Json -InputObject $AttributesJson
    foreach ($property in $attributes.PSObject.Properties) {
        $user[$property.Name] = $property.Value
    }
    return Add-ObjectTypeName -InputObject ([pscustomobject]$user) -TypeName 'ExchangeSoa.SimulatedAdUser'
}

# Attribute values keyed by attribute name (a hashtable) as a JSON object, with the values of
# multi-valued changes (Add, Remove) as arrays of strings.
function ConvertTo-ChangeMap {
    param([System.Collections.IDictionary] $Values, [switch] $AsStringLists)

    $map = [ordered]@{}
    if ($null -eq $Values) {
        return $map
    }
    foreach ($key in $Values.Keys) {
        $value = $Values[$key]
        if ($AsStringLists) {
            $map[[string]$key] = [string[]]@(foreach ($item in @($value)) { if ($null -ne $item) { [string]$item } })
        }
        else {
            $map[[string]$key] = $value
        }
    }
    return $map
}

# Runs the usual -Force rule of a ConfirmImpact='High' cmdlet: -Force without -Confirm turns the
# prompt off for this call.
function Test-ForceWithoutConfirm {
    param([System.Collections.IDictionary] $BoundParameters)

    return ($BoundParameters['Force'] -and -not $BoundParameters.ContainsKey('Confirm'))
}

# --- simulated organization: cmdlets -------------------------------------------------------------

function New-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Creates a simulated hybrid organization.

    .DESCRIPTION
    Makes an in-memory hybrid organization (on-premises AD, Entra Connect Sync, Cloud Sync
    writeback, Exchange Online with RBAC and an admin audit log, on a virtual clock) to rehearse a
    transfer of the source of authority without a tenant. With -Tenant the organization is empty
    (Entra Connect Sync 2.5.190.0, no Cloud Sync agent, the tenant default off, the clock at
    2026-11-27T00:00:00Z); with -Size and -Seed it is generated, about -Size mailboxes, the same
    seed giving the same organization. Exchange Online calls act as the tenant's administrator;
    Connect-SoaSimulatedOrg gives an object acting as someone else.

    Pass the object to the -Org parameter of the other *-SoaSimulated* cmdlets. It holds a native
    handle, released when the object is collected (or with $org.Handle.Dispose()).

    .EXAMPLE
    $org = New-SoaSimulatedOrg contoso.com

    .EXAMPLE
    $org = New-SoaSimulatedOrg -Size 5000 -Seed 42
    #>
    [CmdletBinding(DefaultParameterSetName = 'Empty', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedOrg')]
    param(
        [Parameter(ParameterSetName = 'Empty', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Tenant = 'contoso.com',

        [Parameter(ParameterSetName = 'Generated', Mandatory)]
        [ValidateRange('NonNegative')]
        [long] $Size,

        [Parameter(ParameterSetName = 'Generated')]
        [uint64] $Seed = 0
    )

    $target = if ($PSCmdlet.ParameterSetName -eq 'Generated') { "$Size mailboxes, seed $Seed" } else { $Tenant }
    if (-not $PSCmdlet.ShouldProcess($target, 'Create a simulated organization')) {
        return
    }
    try {
        if ($PSCmdlet.ParameterSetName -eq 'Generated') {
            $handle = [ExchangeSoa.Api]::GenerateSim([uint64]$Size, $Seed)
            $name = Get-SimulatedTenant -Handle $handle
        }
        else {
            $handle = [ExchangeSoa.Api]::NewSim($Tenant)
            $name = $Tenant
        }
        ConvertTo-SimulatedOrgObject -Handle $handle -Tenant $name -Principal $null
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
    }
}

function Import-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Loads a simulated organization from a snapshot file.

    .DESCRIPTION
    Reads a snapshot written by Export-SoaSimulatedOrg and writes a new organization object; the
    loaded organization is independent of the one that was saved. The path is taken literally.

    .EXAMPLE
    $org = Import-SoaSimulatedOrg ./before-wave-1.json
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrg')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('LiteralPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path
    )

    process {
        foreach ($item in $Path) {
            try {
                $fullPath = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $item
                $handle = [ExchangeSoa.Api]::LoadSim($fullPath)
                ConvertTo-SimulatedOrgObject -Handle $handle -Tenant (Get-SimulatedTenant -Handle $handle) -Principal $null
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
            }
        }
    }
}

function Export-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Saves a snapshot of a simulated organization to a file.

    .DESCRIPTION
    Writes the whole organization (directory, sync engines, mailboxes, roles, audit log, clock) as
    JSON, atomically: an interrupted save never leaves a half-written file. The path is taken
    literally; an existing file is replaced.

    .EXAMPLE
    $org | Export-SoaSimulatedOrg -Path ./before-wave-1.json
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0)]
        [Alias('LiteralPath')]
        [ValidateNotNullOrEmpty()]
        [string] $Path
    )

    process {
        try {
            $fullPath = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $Path
            if ($PSCmdlet.ShouldProcess($fullPath, 'Save a snapshot of the simulated organization')) {
                [ExchangeSoa.Api]::SaveSim($Org.Handle, $fullPath)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Path -IoCategory 'WriteError'))
        }
    }
}

function Connect-SoaSimulatedOrg {
    <#
    .SYNOPSIS
    Gets an object on the same simulated organization that acts as another principal.

    .DESCRIPTION
    Exchange Online calls made through the new object act as -Principal, with the roles that
    principal holds (none, for a principal the organization does not know: every call is then
    denied). The organization itself is shared: changes made through either object are seen by
    both. Give roles with Add-SoaSimulatedPrincipal.

    .EXAMPLE
    $helpdesk = Connect-SoaSimulatedOrg -Org $org -Principal helpdesk@contoso.com
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrg')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal
    )

    process {
        try {
            $handle = [ExchangeSoa.Api]::SimAsPrincipal($Org.Handle, $Principal)
            ConvertTo-SimulatedOrgObject -Handle $handle -Tenant $Org.Tenant -Principal $Principal
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
    }
}

function Add-SoaSimulatedPrincipal {
    <#
    .SYNOPSIS
    Adds a principal to a simulated organization, or replaces its roles.

    .DESCRIPTION
    The principal holds exactly the roles given. Built-in roles: Exchange Administrator, Global
    Administrator, Organization Management, Recipient Management (Get-*, Set-Mailbox,
    Search-AdminAuditLog) and View-Only Organization Management (Get-*, Search-AdminAuditLog).

    .EXAMPLE
    Add-SoaSimulatedPrincipal -Org $org -Principal helpdesk@contoso.com -Role 'Recipient Management'
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [AllowEmptyCollection()]
        [string[]] $Role
    )

    process {
        $roles = [string[]]@($Role | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })
        if (-not $PSCmdlet.ShouldProcess($Principal, "Grant the roles: $($roles -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::AddPrincipal($Org.Handle, $Principal, (ConvertTo-Json -InputObject $roles -Compress))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
    }
}

function Get-SoaSimulatedRoleAssignment {
    <#
    .SYNOPSIS
    Gets the role assignments that grant a cmdlet parameter in a simulated organization.

    .DESCRIPTION
    Writes who holds a role granting 'Cmdlet -Parameter', as Get-ManagementRole -Cmdlet
    -CmdletParameters joined with Get-ManagementRoleAssignment would.

    .EXAMPLE
    Get-SoaSimulatedRoleAssignment -Org $org -Cmdlet Set-Mailbox -Parameter IsExchangeCloudManaged
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RoleAssignment')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Cmdlet = 'Set-Mailbox',

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Parameter = 'IsExchangeCloudManaged'
    )

    try {
        $assignments = @([ExchangeSoa.Api]::RoleAssignments($Org.Handle, $Cmdlet, $Parameter) | ConvertFrom-Json)
        foreach ($assignment in $assignments) {
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RoleAssignment'
                Role       = $assignment.role
                Assignee   = $assignment.assignee
                Cmdlet     = $Cmdlet
                Parameter  = $Parameter
            }
        }
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject "$Cmdlet -$Parameter"))
    }
}

function Invoke-SoaSyncCycle {
    <#
    .SYNOPSIS
    Runs one Entra Connect Sync cycle in a simulated organization.

    .DESCRIPTION
    Like Start-ADSyncSyncCycle -PolicyType Delta: carries identity attributes from AD always, and
    Exchange attributes only for mailboxes that are not cloud-managed (which is how a rollback
    overwrites cloud edits). Writes the cycle's report; a warning names export errors, such as
    those of a Connect Sync build older than 2.5.190.0 for cloud-managed users.

    .EXAMPLE
    $org | Invoke-SoaSyncCycle | Select-Object -ExpandProperty Overwritten
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SyncReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, 'Run an Entra Connect Sync cycle')) {
            return
        }
        try {
            $report = ConvertTo-CycleReportObject -Report ([ExchangeSoa.Api]::SyncCycle($Org.Handle) | ConvertFrom-Json) -Cycle 'sync'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        if ($report.Errors.Count -gt 0) {
            Write-Warning -Message ("The sync cycle had $($report.Errors.Count) export error(s) " +
                "($((@($report.Errors.Code) | Sort-Object -Unique) -join ', ')); see the report's Errors or Get-SoaSimulatedSyncError.")
        }
        $report
    }
}

function Invoke-SoaWritebackCycle {
    <#
    .SYNOPSIS
    Runs one Cloud Sync writeback cycle in a simulated organization.

    .DESCRIPTION
    Copies the writeback attribute set of cloud-managed mailboxes to AD, as the Entra Cloud Sync
    "EXO to AD attribute sync" job does. The report says whether it ran, and why not (no agent,
    an agent older than 1.1.1107.0, writeback disabled, beyond capacity).

    .EXAMPLE
    $org | Invoke-SoaWritebackCycle
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.WritebackReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, 'Run a Cloud Sync writeback cycle')) {
            return
        }
        try {
            $report = ConvertTo-CycleReportObject -Report ([ExchangeSoa.Api]::WritebackCycle($Org.Handle) | ConvertFrom-Json) -Cycle 'writeback'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        if (-not $report.Ran) {
            Write-Verbose -Message "Writeback did not run: $($report.Reason)"
        }
        $report
    }
}

function Step-SoaSimulatedClock {
    <#
    .SYNOPSIS
    Moves the virtual clock of a simulated organization forward.

    .DESCRIPTION
    Advances the clock by -Minutes and runs, in time order, the sync cycles (every 30 minutes)
    and writeback cycles (every 20 minutes, when a Cloud Sync agent can write back) that fall due,
    writing one report per cycle. The clock never moves backward.

    .EXAMPLE
    $org | Step-SoaSimulatedClock -Minutes (24 * 60) | Where-Object { $_.Errors }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SyncReport', 'ExchangeSoa.WritebackReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0)]
        [ValidateRange('NonNegative')]
        [long] $Minutes
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, "Move the clock forward by $Minutes minute(s) and run the cycles that fall due")) {
            return
        }
        try {
            $reports = @([ExchangeSoa.Api]::Advance($Org.Handle, $Minutes) | ConvertFrom-Json)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Minutes))
            return
        }
        foreach ($report in $reports) {
            ConvertTo-CycleReportObject -Report $report
        }
    }
}

function Get-SoaSimulatedMailbox {
    <#
    .SYNOPSIS
    Gets mailboxes of a simulated organization, as Get-Mailbox does.

    .DESCRIPTION
    With -Identity (UPN, SMTP address, alias, ExternalDirectoryObjectId or ExchangeGuid), writes
    those mailboxes. Without it, lists the mailboxes that pass the filters, reading them page by
    page and writing each page to the pipeline as it arrives, so the first mailboxes are available
    at once and Select-Object -First stops the listing early. Objects carry the Get-Mailbox
    property names (IsDirSynced, IsExchangeCloudManaged, CustomAttribute1, ...), so they can be
    piped to Test-SoaMailbox, Get-SoaAuthority, Set-SoaSimulatedMailbox and Set-SoaCloudManaged.

    .PARAMETER DirSynced
    Only dir-synced mailboxes; -DirSynced:$false for cloud-only ones.

    .PARAMETER CloudManaged
    Only cloud-managed mailboxes; -CloudManaged:$false for those still mastered on-premises.

    .PARAMETER RecipientType
    Only these RecipientTypeDetails values.

    .PARAMETER PageSize
    Mailboxes per page read from the library (default 1000).

    .EXAMPLE
    Get-SoaSimulatedMailbox -Org $org -DirSynced -CloudManaged:$false -RecipientType UserMailbox | Test-SoaMailbox
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('ExchangeSoa.SimulatedMailbox')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Identity', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity,

        [Parameter(ParameterSetName = 'List')]
        [switch] $DirSynced,

        [Parameter(ParameterSetName = 'List')]
        [switch] $CloudManaged,

        [Parameter(ParameterSetName = 'List')]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string[]] $RecipientType,

        [Parameter(ParameterSetName = 'List')]
        [ValidateRange(1, 100000)]
        [int] $PageSize = 1000
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            foreach ($item in $Identity) {
                try {
                    $mailbox = [ExchangeSoa.Api]::GetMailbox($Org.Handle, $item) | ConvertFrom-Json
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                    continue
                }
                ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
            }
            return
        }

        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('DirSynced')) {
            $filter['dir_synced'] = [bool]$DirSynced
        }
        if ($PSBoundParameters.ContainsKey('CloudManaged')) {
            $filter['cloud_managed'] = [bool]$CloudManaged
        }
        if ($PSBoundParameters.ContainsKey('RecipientType')) {
            $filter['recipient_types'] = [string[]]@($RecipientType)
        }
        try {
            $pager = [ExchangeSoa.Api]::ListMailboxes($Org.Handle, (ConvertTo-CompactJson -InputObject $filter))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $filter))
            return
        }
        # The pager is released however the listing ends, including when a downstream command
        # (Select-Object -First) stops the pipeline.
        try {
            $pageNumber = 0
            while ($true) {
                try {
                    $page = [ExchangeSoa.Api]::NextMailboxPage($pager, [uint32]$PageSize)
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $filter))
                    break
                }
                if ($page -eq '[]') {
                    break
                }
                $pageNumber++
                $mailboxes = @(ConvertFrom-Json -InputObject $page)
                Write-Verbose -Message "Page $($pageNumber): $($mailboxes.Count) mailbox(es)"
                foreach ($mailbox in $mailboxes) {
                    ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
                }
            }
        }
        finally {
            $pager.Dispose()
        }
    }
}

function New-SoaSimulatedMailbox {
    <#
    .SYNOPSIS
    Creates a cloud-only mailbox in a simulated organization, as New-Mailbox does.

    .DESCRIPTION
    The mailbox is not dir-synced: its Exchange attributes are mastered in Exchange Online from the
    start. Writes the new mailbox.

    .EXAMPLE
    New-SoaSimulatedMailbox -Org $org -UserPrincipalName shared@contoso.com -RecipientType SharedMailbox
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedMailbox')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $UserPrincipalName,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string] $RecipientType = 'UserMailbox'
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($UserPrincipalName, "Create a cloud-only $RecipientType")) {
            return
        }
        try {
            $id = [ExchangeSoa.Api]::AddCloudMailbox($Org.Handle, $UserPrincipalName, $RecipientType)
            $mailbox = [ExchangeSoa.Api]::GetMailbox($Org.Handle, $id) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $UserPrincipalName))
            return
        }
        ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
    }
}

function Set-SoaSimulatedMailbox {
    <#
    .SYNOPSIS
    Changes attributes of a mailbox in a simulated organization, as Set-Mailbox does.

    .DESCRIPTION
    One Set-Mailbox call with the attributes in -Set (replace; $null clears), -Add and -Remove
    (multi-valued attributes, as -EmailAddresses @{Add=...; Remove=...}). Keys are any catalog name
    (CustomAttribute1, extensionAttribute1, EmailAddresses, ...). While the mailbox's Exchange
    attributes are mastered on-premises (dir-synced, not cloud-managed) Exchange Online refuses
    with the write-scope error (InvalidOperation); a refused call changes nothing.

    .EXAMPLE
    Get-SoaSimulatedMailbox -Org $org alice | Set-SoaSimulatedMailbox -Org $org -Set @{ CustomAttribute1 = 'Sales' } -Add @{ EmailAddresses = 'smtp:al@contoso.com' }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SimulatedMailbox')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [System.Collections.IDictionary] $Set,

        [Parameter()]
        [System.Collections.IDictionary] $Add,

        [Parameter()]
        [System.Collections.IDictionary] $Remove,

        [Parameter()]
        [switch] $PassThru
    )

    process {
        $changes = [ordered]@{
            set    = ConvertTo-ChangeMap -Values $Set
            add    = ConvertTo-ChangeMap -Values $Add -AsStringLists
            remove = ConvertTo-ChangeMap -Values $Remove -AsStringLists
        }
        $names = @($changes['set'].Keys) + @($changes['add'].Keys | ForEach-Object { "$_ (add)" }) +
            @($changes['remove'].Keys | ForEach-Object { "$_ (remove)" })
        if ($names.Count -eq 0) {
            Write-Warning -Message "Set-SoaSimulatedMailbox: nothing to change on '$Identity'; give -Set, -Add or -Remove."
            return
        }
        if (-not $PSCmdlet.ShouldProcess($Identity, "Set-Mailbox: $($names -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetMailbox($Org.Handle, $Identity, (ConvertTo-CompactJson -InputObject $changes))
            if ($PassThru) {
                $mailbox = [ExchangeSoa.Api]::GetMailbox($Org.Handle, $Identity) | ConvertFrom-Json
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru) {
            ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
        }
    }
}

function Set-SoaCloudManaged {
    <#
    .SYNOPSIS
    Moves the source of authority of a mailbox's Exchange attributes (IsExchangeCloudManaged).

    .DESCRIPTION
    Set-Mailbox -IsExchangeCloudManaged in a call of its own. With -Enabled $true the mailbox's
    Exchange attributes become mastered in Exchange Online: cloud edits are allowed and on-premises
    edits stop syncing. With -Enabled $false (a rollback) the next sync cycle overwrites the cloud
    values with AD's; check what would be lost with Get-SoaRollbackLoss first (Undo-SoaTransfer
    does, and refuses to lose values unacknowledged). Works on a simulated organization (-Org) or a
    tenant (-Connection, from Connect-SoaTenant). Asks for confirmation unless -Force or
    -Confirm:$false is given.

    .EXAMPLE
    Get-SoaSimulatedMailbox -Org $org -DirSynced -CloudManaged:$false | Set-SoaCloudManaged -Org $org -Enabled $true -WhatIf

    .EXAMPLE
    Set-SoaCloudManaged -Connection $c -Identity alice@contoso.com -Enabled $true -Force
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.SimulatedMailbox', 'ExchangeSoa.Mailbox')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter(Mandatory)]
        [bool] $Enabled,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [switch] $PassThru
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
        $action = if ($Enabled) {
            'Set IsExchangeCloudManaged to True (Exchange attributes become mastered in Exchange Online)'
        }
        else {
            'Set IsExchangeCloudManaged to False (the next sync overwrites cloud values with AD values)'
        }
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, $action)) {
            return
        }
        $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
        try {
            [ExchangeSoa.Api]::SetCloudManaged($handle, $Identity, $Enabled)
            if ($PassThru) {
                $mailbox = [ExchangeSoa.Api]::GetMailbox($handle, $Identity) | ConvertFrom-Json
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru -and $null -ne $Connection) {
            ConvertTo-MailboxObject -Mailbox $mailbox
        }
        elseif ($PassThru) {
            ConvertTo-SimulatedMailboxObject -Mailbox $mailbox
        }
    }
}

function Get-SoaSimulatedUser {
    <#
    .SYNOPSIS
    Gets users of a simulated organization, as Get-User does.

    .DESCRIPTION
    Writes the user's identity attributes (DisplayName, Title, Department, ...), which stay
    mastered in AD for a dir-synced user whatever IsExchangeCloudManaged says, and its
    RecipientTypeDetails (MailUser before a license, User when it has no Exchange recipient).

    .EXAMPLE
    Get-SoaSimulatedUser -Org $org alice@contoso.com
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity
    )

    process {
        foreach ($item in $Identity) {
            try {
                $user = [ExchangeSoa.Api]::GetUser($Org.Handle, $item) | ConvertFrom-Json
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                continue
            }
            Add-ObjectTypeName -InputObject $user -TypeName 'ExchangeSoa.SimulatedUser'
        }
    }
}

function New-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Creates an on-premises AD account in a simulated organization.

    .DESCRIPTION
    As New-ADUser, and with -RemoteMailbox as New-RemoteMailbox too (which sets
    msExchRecipientTypeDetails, mailNickname, proxyAddresses and mail unless given). The account
    reaches the cloud at the next sync cycle. Writes the account, with its objectGUID.

    .PARAMETER Attribute
    Attributes by any catalog name (displayName, extensionAttribute1, proxyAddresses, ...).

    .PARAMETER RemoteMailbox
    The Exchange recipient to provision on-premises: RemoteUserMailbox, RemoteSharedMailbox, ...

    .EXAMPLE
    New-SoaSimulatedAdUser -Org $org alice@contoso.com -Attribute @{ displayName = 'Alice'; extensionAttribute1 = 'Sales' } -RemoteMailbox RemoteUserMailbox
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $UserPrincipalName,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $SamAccountName,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('OtherAttributes')]
        [System.Collections.IDictionary] $Attribute,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $RemoteMailbox
    )

    process {
        $user = [ordered]@{
            user_principal_name = $UserPrincipalName
            attributes          = ConvertTo-ChangeMap -Values $Attribute
        }
        if (-not [string]::IsNullOrEmpty($SamAccountName)) {
            $user['sam_account_name'] = $SamAccountName
        }
        if (-not [string]::IsNullOrEmpty($RemoteMailbox)) {
            $user['remote_mailbox'] = $RemoteMailbox
        }
        $action = if ($user.Contains('remote_mailbox')) { "New-ADUser and New-RemoteMailbox ($RemoteMailbox)" } else { 'New-ADUser' }
        if (-not $PSCmdlet.ShouldProcess($UserPrincipalName, $action)) {
            return
        }
        try {
            $guid = [ExchangeSoa.Api]::AddAdUser($Org.Handle, (ConvertTo-CompactJson -InputObject $user))
            $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $guid)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $UserPrincipalName))
            return
        }
        ConvertTo-SimulatedAdUserObject -Identity $UserPrincipalName -ObjectGuid $guid -AttributesJson $attributes
    }
}

function Get-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Gets on-premises AD accounts of a simulated organization.

    .DESCRIPTION
    Writes the account's attributes by LDAP name, as Get-ADUser -Properties shows them, for an
    objectGUID, UPN or sAMAccountName.

    .EXAMPLE
    Get-SoaSimulatedAdUser -Org $org alice@contoso.com | Select-Object extensionAttribute1, proxyAddresses
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity
    )

    process {
        foreach ($item in $Identity) {
            try {
                $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $item)
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                continue
            }
            ConvertTo-SimulatedAdUserObject -Identity $item -ObjectGuid $null -AttributesJson $attributes
        }
    }
}

function Set-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Changes attributes of an on-premises AD account in a simulated organization.

    .DESCRIPTION
    As Set-ADUser -Replace/-Clear (or what Set-RemoteMailbox writes): keys are any catalog name
    with an AD attribute. Moves whenChanged. The change reaches the cloud at the next sync cycle,
    except Exchange attributes of a cloud-managed mailbox, which no longer sync.

    .EXAMPLE
    Set-SoaSimulatedAdUser -Org $org alice@contoso.com -Replace @{ extensionAttribute1 = 'Finance' } -Clear extensionAttribute2
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.SimulatedAdUser')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [System.Collections.IDictionary] $Replace,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Clear,

        [Parameter()]
        [switch] $PassThru
    )

    process {
        $changes = ConvertTo-ChangeMap -Values $Replace
        foreach ($name in @($Clear)) {
            if (-not [string]::IsNullOrEmpty($name)) {
                $changes[$name] = $null
            }
        }
        if ($changes.Count -eq 0) {
            Write-Warning -Message "Set-SoaSimulatedAdUser: nothing to change on '$Identity'; give -Replace or -Clear."
            return
        }
        if (-not $PSCmdlet.ShouldProcess($Identity, "Set-ADUser: $(@($changes.Keys) -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetAdAttributes($Org.Handle, $Identity, (ConvertTo-CompactJson -InputObject $changes))
            if ($PassThru) {
                $attributes = [ExchangeSoa.Api]::AdAttributes($Org.Handle, $Identity)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru) {
            ConvertTo-SimulatedAdUserObject -Identity $Identity -ObjectGuid $null -AttributesJson $attributes
        }
    }
}

function Remove-SoaSimulatedAdUser {
    <#
    .SYNOPSIS
    Removes an on-premises AD account from a simulated organization.

    .DESCRIPTION
    As Remove-ADUser. At the next sync cycle the cloud user and its mailbox are deleted, whether
    the mailbox is cloud-managed or not. Asks for confirmation unless -Force or -Confirm:$false
    is given.

    .EXAMPLE
    Remove-SoaSimulatedAdUser -Org $org bob@contoso.com -Force
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'ObjectGuid', 'SamAccountName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Remove-ADUser (the cloud user and its mailbox go at the next sync)')) {
            return
        }
        try {
            [ExchangeSoa.Api]::RemoveAdUser($Org.Handle, $Identity)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
        }
    }
}

function Add-SoaSimulatedLicense {
    <#
    .SYNOPSIS
    Assigns an Exchange Online license to a user of a simulated organization.

    .DESCRIPTION
    A user without a mailbox gets one: a mail user provisioned on-premises becomes a user mailbox,
    and with the tenant default on, a user that arrived without Exchange attributes gets a
    cloud-managed mailbox. A user provisioned on-premises while the tenant default was on has no
    Exchange Online recipient, and the license does not create one (InvalidOperation).

    .EXAMPLE
    Get-SoaSimulatedUser -Org $org alice@contoso.com | Add-SoaSimulatedLicense -Org $org
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Assign an Exchange Online license')) {
            return
        }
        try {
            [ExchangeSoa.Api]::AssignLicense($Org.Handle, $Identity)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
        }
    }
}

function Set-SoaSimulatedSyncEngine {
    <#
    .SYNOPSIS
    Sets the sync engines of a simulated organization.

    .DESCRIPTION
    -ConnectSyncVersion sets the Entra Connect Sync build (builds older than 2.5.190.0 fail
    cloud-managed users with ExchangeManagedAttributesUpdateNotAllowed export errors).
    -CloudSyncAgentVersion installs (or replaces) the Entra Cloud Sync provisioning agent that
    runs Exchange attribute writeback (1.1.1107.0 or later), configured by -WritebackEnabled,
    -MailWriteback and -WritebackCapacity; -RemoveCloudSyncAgent removes it.

    .PARAMETER WritebackCapacity
    The most cloud-managed mailboxes writeback serves (default 600000, the capacity at general
    availability).

    .EXAMPLE
    Set-SoaSimulatedSyncEngine -Org $org -ConnectSyncVersion 2.5.190.0 -CloudSyncAgentVersion 1.1.1107.0
    #>
    [CmdletBinding(DefaultParameterSetName = 'ConnectSync', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'ConnectSync', Mandatory)]
        [Parameter(ParameterSetName = 'Agent')]
        [Parameter(ParameterSetName = 'RemoveAgent')]
        [ValidateNotNullOrEmpty()]
        [string] $ConnectSyncVersion,

        [Parameter(ParameterSetName = 'Agent', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $CloudSyncAgentVersion,

        [Parameter(ParameterSetName = 'Agent')]
        [bool] $WritebackEnabled = $true,

        [Parameter(ParameterSetName = 'Agent')]
        [bool] $MailWriteback = $true,

        [Parameter(ParameterSetName = 'Agent')]
        [uint64] $WritebackCapacity = 600000,

        [Parameter(ParameterSetName = 'RemoveAgent', Mandatory)]
        [switch] $RemoveCloudSyncAgent
    )

    process {
        try {
            if ($PSBoundParameters.ContainsKey('ConnectSyncVersion') -and
                $PSCmdlet.ShouldProcess($Org.Tenant, "Set the Entra Connect Sync version to $ConnectSyncVersion")) {
                [ExchangeSoa.Api]::SetConnectSyncVersion($Org.Handle, $ConnectSyncVersion)
            }
            if ($PSCmdlet.ParameterSetName -eq 'Agent') {
                $agent = [ordered]@{
                    version           = $CloudSyncAgentVersion.Trim()
                    writeback_enabled = $WritebackEnabled
                    mail_writeback    = $MailWriteback
                    capacity          = $WritebackCapacity
                }
                if ($PSCmdlet.ShouldProcess($Org.Tenant, "Install the Cloud Sync agent $CloudSyncAgentVersion (writeback $(if ($WritebackEnabled) { 'on' } else { 'off' }))")) {
                    [ExchangeSoa.Api]::SetCloudSyncAgent($Org.Handle, (ConvertTo-CompactJson -InputObject $agent))
                }
            }
            elseif ($RemoveCloudSyncAgent -and $PSCmdlet.ShouldProcess($Org.Tenant, 'Remove the Cloud Sync agent')) {
                [ExchangeSoa.Api]::SetCloudSyncAgent($Org.Handle, $null)
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
        }
    }
}

function Get-SoaSimulatedOrgConfig {
    <#
    .SYNOPSIS
    Gets the organization configuration of a simulated organization, as Get-OrganizationConfig does.

    .DESCRIPTION
    Writes Name and BlockExchangeProvisioningFromOnPremEnabled, which is true while the tenant
    default (ExchangeAttributesCloudManagedByDefault) is on.

    .EXAMPLE
    $org | Get-SoaSimulatedOrgConfig
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrgConfig')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        try {
            $config = [ExchangeSoa.Api]::GetOrganizationConfig($Org.Handle) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        Add-ObjectTypeName -InputObject $config -TypeName 'ExchangeSoa.SimulatedOrgConfig'
    }
}

function Set-SoaSimulatedOrgConfig {
    <#
    .SYNOPSIS
    Turns the tenant-wide default for new mailboxes on or off in a simulated organization.

    .DESCRIPTION
    Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault (-CloudManagedByDefault $true)
    or -ExchangeAttributesServerManagedByDefault ($false). While it is on, users provisioned
    on-premises arrive without an Exchange Online recipient; check Test-SoaPrerequisite first.
    Asks for confirmation unless -Force or -Confirm:$false is given.

    .EXAMPLE
    Set-SoaSimulatedOrgConfig -Org $org -CloudManagedByDefault $true -WhatIf
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory)]
        [bool] $CloudManagedByDefault,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        $parameter = if ($CloudManagedByDefault) { 'ExchangeAttributesCloudManagedByDefault' } else { 'ExchangeAttributesServerManagedByDefault' }
        if (-not $PSCmdlet.ShouldProcess($Org.Tenant, "Set-OrganizationConfig -$parameter")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetCloudManagedByDefault($Org.Handle, $CloudManagedByDefault)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
        }
    }
}

function Search-SoaSimulatedAuditLog {
    <#
    .SYNOPSIS
    Searches the admin audit log of a simulated organization, as Search-AdminAuditLog does.

    .DESCRIPTION
    Every successful change made through Exchange Online (Set-Mailbox, the flag,
    Set-OrganizationConfig) is recorded with the caller and the old and new values. Criteria left
    out match everything; names compare case-insensitively.

    .PARAMETER ObjectId
    The changed object, by UPN.

    .PARAMETER Parameter
    Only records of calls with this parameter (e.g. IsExchangeCloudManaged).

    .EXAMPLE
    Search-SoaSimulatedAuditLog -Org $org -Parameter IsExchangeCloudManaged -StartDate (Get-Date).AddDays(-1)
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.AuditRecord')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter()]
        [datetime] $StartDate,

        [Parameter()]
        [datetime] $EndDate,

        [Parameter()]
        [Alias('Cmdlets')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Cmdlet,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('ObjectIds', 'UserPrincipalName')]
        [string] $ObjectId,

        [Parameter()]
        [Alias('Parameters')]
        [string] $Parameter,

        [Parameter()]
        [Alias('UserIds')]
        [string] $Caller
    )

    process {
        $query = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('StartDate')) {
            $query['start'] = ConvertTo-Rfc3339 -Time $StartDate
        }
        if ($PSBoundParameters.ContainsKey('EndDate')) {
            $query['end'] = ConvertTo-Rfc3339 -Time $EndDate
        }
        if ($PSBoundParameters.ContainsKey('Cmdlet')) {
            $query['cmdlets'] = [string[]]@($Cmdlet)
        }
        if (-not [string]::IsNullOrEmpty($ObjectId)) {
            $query['object'] = $ObjectId
        }
        if (-not [string]::IsNullOrEmpty($Parameter)) {
            $query['parameter'] = $Parameter
        }
        if (-not [string]::IsNullOrEmpty($Caller)) {
            $query['caller'] = $Caller
        }
        try {
            $records = @([ExchangeSoa.Api]::SearchAdminAuditLog($Org.Handle, (ConvertTo-CompactJson -InputObject $query)) | ConvertFrom-Json)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $query))
            return
        }
        foreach ($record in $records) {
            [pscustomobject]@{
                PSTypeName       = 'ExchangeSoa.AuditRecord'
                RunDate          = $record.time
                Caller           = $record.caller
                CmdletName       = $record.cmdlet
                ObjectModified   = $record.object
                CmdletParameters = ConvertTo-OrderedDictionary -InputObject $record.parameters
                OldValues        = ConvertTo-OrderedDictionary -InputObject $record.old_values
                NewValues        = ConvertTo-OrderedDictionary -InputObject $record.new_values
                Succeeded        = [bool]$record.succeeded
            }
        }
    }
}

function Get-SoaSimulatedSyncError {
    <#
    .SYNOPSIS
    Gets the current sync export errors of a simulated organization.

    .DESCRIPTION
    The errors of the last sync cycle, as the Synchronization Service Manager shows them: the
    object, the error code (ExchangeManagedAttributesUpdateNotAllowed for cloud-managed users
    under a Connect Sync build older than 2.5.190.0) and the message.

    .EXAMPLE
    $org | Get-SoaSimulatedSyncError
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SyncError')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        try {
            $errors = @([ExchangeSoa.Api]::SyncErrors($Org.Handle) | ConvertFrom-Json)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        foreach ($syncError in $errors) {
            ConvertTo-SyncErrorObject -SyncError $syncError
        }
    }
}

function Get-SoaSimulatedOrgSummary {
    <#
    .SYNOPSIS
    Gets the counts of a simulated organization and its virtual time.

    .DESCRIPTION
    AD accounts, cloud users, mailboxes (dir-synced, cloud-managed), users without an Exchange
    Online recipient, current sync errors, and the virtual clock. No role is needed: this is the
    simulation's own view.

    .EXAMPLE
    $org | Get-SoaSimulatedOrgSummary
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrgSummary')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        try {
            $summary = [ExchangeSoa.Api]::SimSummary($Org.Handle) | ConvertFrom-Json
            $now = [System.DateTimeOffset]::Parse([ExchangeSoa.Api]::SimNow($Org.Handle), [System.Globalization.CultureInfo]::InvariantCulture).UtcDateTime
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        [pscustomobject]@{
            PSTypeName            = 'ExchangeSoa.SimulatedOrgSummary'
            Tenant                = $Org.Tenant
            Now                   = $now
            AdUsers               = $summary.ad_users
            CloudUsers            = $summary.cloud_users
            Mailboxes             = $summary.mailboxes
            DirSyncedMailboxes    = $summary.dir_synced_mailboxes
            CloudManagedMailboxes = $summary.cloud_managed_mailboxes
            IdentityOnlyUsers     = $summary.identity_only_users
            SyncErrors            = $summary.sync_errors
        }
    }
}

# --- Exchange Online, simulated or real: private helpers -------------------------------------------
#
# The cmdlets below work on "an Exchange Online": the simulated organization (-Org, an
# ExchangeSoa.SimulatedOrg) or a tenant reached through the REST client (-Connection, an
# ExchangeSoa.Connection from Connect-SoaTenant). Each takes one of the two, in two parameter sets;
# the facade's methods are overloaded on the two handle types, so the code is the same for both.
# The *-SoaSimulated* cmdlets stay: they are the simulation's own view (AD, sync engines, clock).

# The native handle of the Exchange Online a cmdlet works on.
function Get-ExchangeHandle {
    param([psobject] $Org, [psobject] $Connection)

    if ($null -ne $Connection) {
        return $Connection.Handle
    }
    return $Org.Handle
}

# The tenant a cmdlet works on, for messages and ErrorRecords.
function Get-ExchangeTargetName {
    param([psobject] $Org, [psobject] $Connection)

    if ($null -ne $Connection) {
        return $Connection.Tenant
    }
    return $Org.Tenant
}

# A new backend handle for the transfer calls; the caller disposes it.
function Open-BackendHandle {
    param([psobject] $Org, [psobject] $Connection)

    if ($null -ne $Connection) {
        return [ExchangeSoa.Api]::BackendFromClient($Connection.Handle)
    }
    return [ExchangeSoa.Api]::BackendFromSim($Org.Handle)
}

# The handle of -Directory, or $null: the library then reads the simulated organization's own AD
# for -Org, and no AD for -Connection.
function Get-DirectoryHandle {
    param([psobject] $Directory)

    if ($null -ne $Directory) {
        return $Directory.Handle
    }
    return $null
}

# The plain text of a SecureString (or of a string), for the JSON handed to the library.
function ConvertFrom-SecretValue {
    param([object] $Value)

    if ($Value -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Value).Password
    }
    return [string]$Value
}

# One mailbox of the library's JSON as an object with the Get-Mailbox property names.
function ConvertTo-MailboxObject {
    param([object] $Mailbox)

    return Add-ObjectTypeName -InputObject $Mailbox -TypeName 'ExchangeSoa.Mailbox'
}

# A RollbackLoss of the library's JSON (already parsed) as an object.
function ConvertTo-RollbackLossObject {
    param([object] $Loss)

    $entries = @(foreach ($lost in @($Loss.entries | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName  = 'ExchangeSoa.LossEntry'
                Attribute   = $lost.attribute
                LdapName    = $lost.ldap_name
                CloudValue  = $lost.cloud_value
                AdValue     = $lost.ad_value
                WrittenBack = [bool]$lost.written_back
            }
        })
    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.RollbackLoss'
        Applies    = [bool]$Loss.applies
        IsLossless = ($entries.Count -eq 0)
        Summary    = $Loss.summary
        Entries    = $entries
    }
}

# A Plan of the library's JSON as an ExchangeSoa.TransferPlan. The JSON itself rides along (Json)
# so that Start-SoaTransfer hands the library exactly the plan it made.
function ConvertTo-TransferPlanObject {
    param([string] $PlanJson)

    $plan = ConvertFrom-Json -InputObject $PlanJson
    $entries = @(foreach ($entry in @($plan.entries | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName        = 'ExchangeSoa.TransferPlanEntry'
                Identity          = $entry.identity
                UserPrincipalName = $entry.user_principal_name
                Decision          = $entry.decision
                Reason            = $entry.reason
                Findings          = @(foreach ($finding in @($entry.findings | Where-Object { $null -ne $_ })) {
                        ConvertTo-FindingObject -Finding $finding
                    })
            }
        })
    $organization = @(foreach ($finding in @($plan.organization | Where-Object { $null -ne $_ })) {
            ConvertTo-FindingObject -Finding $finding
        })
    [pscustomobject]@{
        PSTypeName   = 'ExchangeSoa.TransferPlan'
        RunId        = $plan.run_id
        Created      = $plan.created
        Ticket       = $plan.policy.ticket
        Go           = @($entries | Where-Object { $_.Decision -eq 'go' }).Count
        Skipped      = @($entries | Where-Object { $_.Decision -ne 'go' }).Count
        Blocked      = (@($organization | Where-Object { $_.Blocks }).Count -gt 0)
        Summary      = [ExchangeSoa.Api]::PlanSummary($PlanJson)
        Entries      = $entries
        Organization = $organization
        Json         = $PlanJson
    }
}

# The results of a RunReport of the library's JSON, one ExchangeSoa.TransferResult per mailbox.
function ConvertTo-TransferResultObject {
    param([string] $ReportJson, [string] $RunDirectory)

    $report = ConvertFrom-Json -InputObject $ReportJson
    if ($report.cancelled) {
        Write-Warning -Message "Run $($report.run_id) stopped early; Resume-SoaTransfer -RunDirectory '$RunDirectory' finishes it."
    }
    foreach ($result in @($report.results | Where-Object { $null -ne $_ })) {
        [pscustomobject]@{
            PSTypeName   = 'ExchangeSoa.TransferResult'
            RunId        = $report.run_id
            Identity     = $result.identity
            Step         = $result.step
            Reason       = $result.reason
            DryRun       = [bool]$report.dry_run
            RunDirectory = $RunDirectory
        }
    }
}

# The progress handler of a transfer run: each event (JSON) becomes a Write-Progress record. The
# library calls it on this thread, during the native call, so Write-Progress reaches the host; an
# exception it throws (a stopped pipeline) is rethrown by the facade once the call returns.
function Get-TransferProgressHandler {
    param([string] $Activity)

    $handler = {
        param([string] $EventJson)

        $progressEvent = ConvertFrom-Json -InputObject $EventJson
        $percent = 0
        if ($progressEvent.total -gt 0) {
            $percent = [math]::Min(100, [int][math]::Floor(100 * $progressEvent.done / $progressEvent.total))
        }
        $status = "$($progressEvent.done) of $($progressEvent.total) mailbox(es) done"
        $operation = "$($progressEvent.identity): $($progressEvent.step)"
        Write-Progress -Id 1 -Activity $Activity -Status $status -CurrentOperation $operation -PercentComplete $percent
    }
    $closure = $handler.GetNewClosure()
    return [System.Action[string]]$closure
}

# The folder of a run: -RunDirectory as a full path, or soa-runs/<run id> under the current
# file-system location.
function Resolve-RunDirectory {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Path, [string] $RunId)

    if (-not [string]::IsNullOrEmpty($Path)) {
        return Resolve-LiteralFilePath -Cmdlet $Cmdlet -Path $Path
    }
    $here = (Get-Location -PSProvider FileSystem).ProviderPath
    return [System.IO.Path]::Combine($here, 'soa-runs', $RunId)
}

# A file name made of an identity: letters, digits, '.', '-', '_' and '@' kept, the rest '_'.
function ConvertTo-SafeFileName {
    param([string] $Text)

    return ([regex]::Replace($Text, '[^A-Za-z0-9.@_-]', '_'))
}

# --- connecting to a tenant -----------------------------------------------------------------------

function Connect-SoaTenant {
    <#
    .SYNOPSIS
    Connects to a tenant's Exchange Online through the REST client.

    .DESCRIPTION
    Makes a connection to the Exchange Online InvokeCommand gateway of -Tenant (its ID, a GUID, or
    its onmicrosoft.com domain) for the cmdlets that take -Connection (Get-SoaMailbox,
    Set-SoaMailbox, Set-SoaCloudManaged, New-SoaTransferPlan, Start-SoaTransfer, ...). The
    application signs in with a client secret (-ClientId -ClientSecret) or a certificate
    (-ClientId -CertificatePath, with -KeyPath when the private key is in another PEM file), or a
    token obtained elsewhere is used as is (-AccessToken). An app's first token is fetched now, so
    a wrong secret fails here.

    -Cloud picks the national cloud's hosts; -ExchangeUrl and -LoginUrl (given together) point at
    other hosts, such as the emulator (Start-SoaEmulator). Only https is accepted, except on
    loopback. Secrets never appear in messages or in the connection object. Release the
    connection with Disconnect-SoaTenant (or let it be collected).

    .PARAMETER ClientSecret
    The app registration's client secret, as a SecureString.

    .PARAMETER CertificatePath
    A PEM file holding the app's certificate (and its unencrypted RSA private key, unless -KeyPath
    is given).

    .PARAMETER AccessToken
    A bearer token for the Exchange Online resource, as a SecureString.

    .PARAMETER DelegatedUser
    With a delegated -AccessToken, the signed-in admin's UPN (routes the calls to their mailbox).

    .EXAMPLE
    $c = Connect-SoaTenant -Tenant contoso.onmicrosoft.com -ClientId $appId -CertificatePath ./app.pem

    .EXAMPLE
    $c = Connect-SoaTenant -Tenant $id -ClientId $appId -ClientSecret (Read-Host -AsSecureString) -Cloud GccHigh
    #>
    [CmdletBinding(DefaultParameterSetName = 'ClientSecret')]
    [OutputType('ExchangeSoa.Connection')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [Alias('TenantId', 'Organization')]
        [ValidateNotNullOrEmpty()]
        [string] $Tenant,

        [Parameter(ParameterSetName = 'ClientSecret', Mandatory)]
        [Parameter(ParameterSetName = 'Certificate', Mandatory)]
        [Alias('AppId')]
        [ValidateNotNullOrEmpty()]
        [string] $ClientId,

        [Parameter(ParameterSetName = 'ClientSecret', Mandatory)]
        [securestring] $ClientSecret,

        [Parameter(ParameterSetName = 'Certificate', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $CertificatePath,

        [Parameter(ParameterSetName = 'Certificate')]
        [ValidateNotNullOrEmpty()]
        [string] $KeyPath,

        [Parameter(ParameterSetName = 'AccessToken', Mandatory)]
        [securestring] $AccessToken,

        [Parameter(ParameterSetName = 'AccessToken')]
        [ValidateNotNullOrEmpty()]
        [string] $DelegatedUser,

        [Parameter()]
        [ValidateSet('Commercial', 'GccHigh', 'DoD', 'China')]
        [string] $Cloud = 'Commercial',

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ExchangeUrl,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $LoginUrl,

        [Parameter()]
        [ValidateRange(1, 1000)]
        [int] $PageSize = 1000
    )

    $custom = $PSBoundParameters.ContainsKey('ExchangeUrl') -or $PSBoundParameters.ContainsKey('LoginUrl')
    if ($custom -and -not ($PSBoundParameters.ContainsKey('ExchangeUrl') -and $PSBoundParameters.ContainsKey('LoginUrl'))) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'CustomHostsTogether' -TargetObject $Tenant -Message (
                    '-ExchangeUrl and -LoginUrl go together: give both (for the emulator, both are its BaseUrl).')))
    }
    $cloudText = $Cloud
    $cloudName = $Cloud
    if ($custom) {
        $cloudText = ConvertTo-CompactJson -InputObject ([ordered]@{ exchange = $ExchangeUrl; login = $LoginUrl })
        $cloudName = "Custom ($ExchangeUrl)"
    }
    $options = [ordered]@{ page_size = $PageSize }
    if ($PSBoundParameters.ContainsKey('DelegatedUser')) {
        $options['delegated_upn'] = $DelegatedUser
    }
    try {
        switch ($PSCmdlet.ParameterSetName) {
            'ClientSecret' {
                $credential = [ordered]@{ kind = 'secret'; client_id = $ClientId; secret = (ConvertFrom-SecretValue -Value $ClientSecret) }
                $authentication = 'ClientSecret'
            }
            'Certificate' {
                $certificateFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $CertificatePath
                $keyFile = $certificateFile
                if ($PSBoundParameters.ContainsKey('KeyPath')) {
                    $keyFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $KeyPath
                }
                $credential = [ordered]@{
                    kind      = 'certificate'
                    client_id = $ClientId
                    key_pem   = [System.IO.File]::ReadAllText($keyFile)
                    cert_pem  = [System.IO.File]::ReadAllText($certificateFile)
                }
                $authentication = 'Certificate'
            }
            default {
                $credential = [ordered]@{ kind = 'token'; token = (ConvertFrom-SecretValue -Value $AccessToken) }
                $authentication = 'AccessToken'
            }
        }
        $handle = [ExchangeSoa.Api]::Connect($Tenant, $cloudText, (ConvertTo-CompactJson -InputObject $credential),
            (ConvertTo-CompactJson -InputObject $options))
        $endpoint = [ExchangeSoa.Api]::ClientEndpoint($handle)
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Tenant))
        return
    }
    finally {
        $credential = $null
    }
    [pscustomobject]@{
        PSTypeName         = 'ExchangeSoa.Connection'
        Tenant             = $Tenant
        Cloud              = $cloudName
        ClientId           = $ClientId
        AuthenticationType = $authentication
        Endpoint           = $endpoint
        Handle             = $handle
    }
}

function Disconnect-SoaTenant {
    <#
    .SYNOPSIS
    Closes a connection made by Connect-SoaTenant.

    .DESCRIPTION
    Releases the connection's native client (its connections and cached token). Transfers and
    listings already started with it keep working until they end.

    .EXAMPLE
    Disconnect-SoaTenant -Connection $c
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection
    )

    process {
        $Connection.Handle.Dispose()
    }
}

# --- Exchange Online, simulated or real: cmdlets ----------------------------------------------------

function Get-SoaMailbox {
    <#
    .SYNOPSIS
    Gets mailboxes, as Get-Mailbox does, from a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    With -Identity (UPN, SMTP address, alias, ExternalDirectoryObjectId or ExchangeGuid), writes
    those mailboxes. Without it, lists the mailboxes that pass the filters page by page, writing
    each page to the pipeline as it arrives (Select-Object -First stops the listing early). Through
    a connection, nothing is sent until the first page is read, and the gateway's pages are
    followed. Objects carry the Get-Mailbox property names, so they can be piped to
    Test-SoaMailbox, Set-SoaMailbox, Set-SoaCloudManaged and New-SoaTransferPlan.

    .PARAMETER PageSize
    Mailboxes per page read from the library (default 1000).

    .EXAMPLE
    Get-SoaMailbox -Connection $c -DirSynced -CloudManaged:$false -RecipientType UserMailbox | Test-SoaMailbox

    .EXAMPLE
    Get-SoaMailbox -Org $org alice@contoso.com
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.Mailbox')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity,

        [Parameter()]
        [switch] $DirSynced,

        [Parameter()]
        [switch] $CloudManaged,

        [Parameter()]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string[]] $RecipientType,

        [Parameter()]
        [ValidateRange(1, 100000)]
        [int] $PageSize = 1000
    )

    process {
        $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
        if ($null -ne $Identity -and $Identity.Count -gt 0) {
            foreach ($item in $Identity) {
                try {
                    $mailbox = [ExchangeSoa.Api]::GetMailbox($handle, $item) | ConvertFrom-Json
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                    continue
                }
                ConvertTo-MailboxObject -Mailbox $mailbox
            }
            return
        }

        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('DirSynced')) {
            $filter['dir_synced'] = [bool]$DirSynced
        }
        if ($PSBoundParameters.ContainsKey('CloudManaged')) {
            $filter['cloud_managed'] = [bool]$CloudManaged
        }
        if ($PSBoundParameters.ContainsKey('RecipientType')) {
            $filter['recipient_types'] = [string[]]@($RecipientType)
        }
        try {
            $pager = [ExchangeSoa.Api]::ListMailboxes($handle, (ConvertTo-CompactJson -InputObject $filter))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $filter))
            return
        }
        # The pager is released however the listing ends, including when a downstream command
        # (Select-Object -First) stops the pipeline.
        try {
            $pageNumber = 0
            while ($true) {
                try {
                    $page = [ExchangeSoa.Api]::NextMailboxPage($pager, [uint32]$PageSize)
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $filter))
                    break
                }
                if ($page -eq '[]') {
                    break
                }
                $pageNumber++
                $mailboxes = @(ConvertFrom-Json -InputObject $page)
                Write-Verbose -Message "Page $($pageNumber): $($mailboxes.Count) mailbox(es)"
                foreach ($mailbox in $mailboxes) {
                    ConvertTo-MailboxObject -Mailbox $mailbox
                }
            }
        }
        finally {
            $pager.Dispose()
        }
    }
}

function Set-SoaMailbox {
    <#
    .SYNOPSIS
    Changes attributes of a mailbox, as Set-Mailbox does, in a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    One Set-Mailbox call with the attributes in -Set (replace; $null clears), -Add and -Remove
    (multi-valued attributes, as -EmailAddresses @{Add=...; Remove=...}). Keys are any catalog
    name (CustomAttribute1, extensionAttribute1, EmailAddresses, ...). While the mailbox's Exchange
    attributes are mastered on-premises Exchange Online refuses with the write-scope error
    (InvalidOperation). Through a connection, a call whose outcome is unknown (a timeout, a 5xx)
    is read back before it is sent again, so a change is never applied twice.

    .EXAMPLE
    Get-SoaMailbox -Connection $c alice@contoso.com | Set-SoaMailbox -Connection $c -Set @{ CustomAttribute1 = 'Sales' }
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.Mailbox')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [System.Collections.IDictionary] $Set,

        [Parameter()]
        [System.Collections.IDictionary] $Add,

        [Parameter()]
        [System.Collections.IDictionary] $Remove,

        [Parameter()]
        [switch] $PassThru
    )

    process {
        $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
        $changes = [ordered]@{
            set    = ConvertTo-ChangeMap -Values $Set
            add    = ConvertTo-ChangeMap -Values $Add -AsStringLists
            remove = ConvertTo-ChangeMap -Values $Remove -AsStringLists
        }
        $names = @($changes['set'].Keys) + @($changes['add'].Keys | ForEach-Object { "$_ (add)" }) +
            @($changes['remove'].Keys | ForEach-Object { "$_ (remove)" })
        if ($names.Count -eq 0) {
            Write-Warning -Message "Set-SoaMailbox: nothing to change on '$Identity'; give -Set, -Add or -Remove."
            return
        }
        if (-not $PSCmdlet.ShouldProcess($Identity, "Set-Mailbox: $($names -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetMailbox($handle, $Identity, (ConvertTo-CompactJson -InputObject $changes))
            if ($PassThru) {
                $mailbox = [ExchangeSoa.Api]::GetMailbox($handle, $Identity) | ConvertFrom-Json
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        if ($PassThru) {
            ConvertTo-MailboxObject -Mailbox $mailbox
        }
    }
}

function Get-SoaUser {
    <#
    .SYNOPSIS
    Gets users, as Get-User does, from a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    Writes the user's identity attributes (DisplayName, Title, Department, ...), which stay
    mastered in AD for a dir-synced user whatever IsExchangeCloudManaged says.

    .EXAMPLE
    Get-SoaUser -Connection $c alice@contoso.com
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.User')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity
    )

    process {
        $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
        foreach ($item in $Identity) {
            try {
                $user = [ExchangeSoa.Api]::GetUser($handle, $item) | ConvertFrom-Json
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
                continue
            }
            Add-ObjectTypeName -InputObject $user -TypeName 'ExchangeSoa.User'
        }
    }
}

function Get-SoaOrgConfig {
    <#
    .SYNOPSIS
    Gets the organization configuration, as Get-OrganizationConfig does, of a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    Writes Name and BlockExchangeProvisioningFromOnPremEnabled, which is true while the tenant
    default (ExchangeAttributesCloudManagedByDefault) is on.

    .EXAMPLE
    Get-SoaOrgConfig -Connection $c
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.OrgConfig')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection
    )

    process {
        $target = Get-ExchangeTargetName -Org $Org -Connection $Connection
        try {
            $config = [ExchangeSoa.Api]::GetOrganizationConfig((Get-ExchangeHandle -Org $Org -Connection $Connection)) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
            return
        }
        Add-ObjectTypeName -InputObject $config -TypeName 'ExchangeSoa.OrgConfig'
    }
}

function Get-SoaRoleAssignment {
    <#
    .SYNOPSIS
    Gets the role assignments that grant a cmdlet parameter, in a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    Writes who holds a role granting 'Cmdlet -Parameter' (by default Set-Mailbox
    -IsExchangeCloudManaged, the right to flip mailboxes), as Get-ManagementRole -Cmdlet
    -CmdletParameters joined with Get-ManagementRoleAssignment.

    .EXAMPLE
    Get-SoaRoleAssignment -Connection $c
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.RoleAssignment')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Cmdlet = 'Set-Mailbox',

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Parameter = 'IsExchangeCloudManaged'
    )

    try {
        $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
        $assignments = @([ExchangeSoa.Api]::RoleAssignments($handle, $Cmdlet, $Parameter) | ConvertFrom-Json)
        foreach ($assignment in $assignments) {
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RoleAssignment'
                Role       = $assignment.role
                Assignee   = $assignment.assignee
                Cmdlet     = $Cmdlet
                Parameter  = $Parameter
            }
        }
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject "$Cmdlet -$Parameter"))
    }
}

function Search-SoaAuditLog {
    <#
    .SYNOPSIS
    Searches the admin audit log, as Search-AdminAuditLog does, of a tenant (-Connection) or a simulated organization (-Org).

    .DESCRIPTION
    Criteria left out match everything; names compare case-insensitively. Use -Parameter
    IsExchangeCloudManaged to see every flip and rollback with its caller.

    .EXAMPLE
    Search-SoaAuditLog -Connection $c -Parameter IsExchangeCloudManaged -StartDate (Get-Date).AddDays(-7)
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.AuditRecord')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter()]
        [datetime] $StartDate,

        [Parameter()]
        [datetime] $EndDate,

        [Parameter()]
        [Alias('Cmdlets')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Cmdlet,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('ObjectIds', 'UserPrincipalName')]
        [string] $ObjectId,

        [Parameter()]
        [Alias('Parameters')]
        [string] $Parameter,

        [Parameter()]
        [Alias('UserIds')]
        [string] $Caller
    )

    process {
        $query = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('StartDate')) {
            $query['start'] = ConvertTo-Rfc3339 -Time $StartDate
        }
        if ($PSBoundParameters.ContainsKey('EndDate')) {
            $query['end'] = ConvertTo-Rfc3339 -Time $EndDate
        }
        if ($PSBoundParameters.ContainsKey('Cmdlet')) {
            $query['cmdlets'] = [string[]]@($Cmdlet)
        }
        if (-not [string]::IsNullOrEmpty($ObjectId)) {
            $query['object'] = $ObjectId
        }
        if (-not [string]::IsNullOrEmpty($Parameter)) {
            $query['parameter'] = $Parameter
        }
        if (-not [string]::IsNullOrEmpty($Caller)) {
            $query['caller'] = $Caller
        }
        try {
            $handle = Get-ExchangeHandle -Org $Org -Connection $Connection
            $records = @([ExchangeSoa.Api]::SearchAdminAuditLog($handle, (ConvertTo-CompactJson -InputObject $query)) | ConvertFrom-Json)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $query))
            return
        }
        foreach ($record in $records) {
            [pscustomobject]@{
                PSTypeName       = 'ExchangeSoa.AuditRecord'
                RunDate          = $record.time
                Caller           = $record.caller
                CmdletName       = $record.cmdlet
                ObjectModified   = $record.object
                CmdletParameters = ConvertTo-OrderedDictionary -InputObject $record.parameters
                OldValues        = ConvertTo-OrderedDictionary -InputObject $record.old_values
                NewValues        = ConvertTo-OrderedDictionary -InputObject $record.new_values
                Succeeded        = [bool]$record.succeeded
            }
        }
    }
}

# --- the HTTP emulator ------------------------------------------------------------------------------

function Start-SoaEmulator {
    <#
    .SYNOPSIS
    Starts the HTTP emulator of Exchange Online's gateway and token endpoint for a simulated organization.

    .DESCRIPTION
    Serves -Org over the real wire protocol on 127.0.0.1, so that Connect-SoaTenant and every
    -Connection cmdlet can be rehearsed end to end without a tenant. Tokens act as their principal
    in the organization (its roles, write-scope rule and audit log apply), and changes made through
    the emulator are seen through -Org. Get a token with New-SoaEmulatorToken, or register
    applications with -App and sign in with their secret.

    .PARAMETER App
    Applications to register: hashtables with ClientId, Secret (a SecureString or a string; leave
    it out for an app that signs in with a certificate) and Principal.

    .PARAMETER Fault
    Faults to inject from the start, with the library's names: throttle (@{ rate = 5.0; burst = 2 }),
    latency (seconds), unavailable_rate, drop_before_rate, drop_after_apply_rate,
    transient_error_rate, nul_forbidden_rate, applied_but_error_rate (0 to 1) and
    claims_challenge ($true).

    .PARAMETER MaxPageSize
    The most mailboxes one gateway page holds (1 to 1000).

    .EXAMPLE
    $emulator = Start-SoaEmulator -Org $org -MaxPageSize 100 -Fault @{ throttle = @{ rate = 20.0; burst = 5 } }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.Emulator')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter()]
        [ValidateRange(0, 65535)]
        [int] $Port = 0,

        [Parameter()]
        [ValidateRange(1, 1000)]
        [int] $MaxPageSize = 1000,

        [Parameter()]
        [System.Collections.IDictionary[]] $App,

        [Parameter()]
        [System.Collections.IDictionary] $Fault,

        [Parameter()]
        [uint64] $Seed = 0
    )

    process {
        if (-not $PSCmdlet.ShouldProcess("$($Org.Tenant) on 127.0.0.1", 'Start the Exchange Online emulator')) {
            return
        }
        $apps = @(foreach ($entry in @($App | Where-Object { $null -ne $_ })) {
                $registered = [ordered]@{ client_id = [string]$entry['ClientId']; principal = [string]$entry['Principal'] }
                if ($null -ne $entry['Secret']) {
                    $registered['secret'] = ConvertFrom-SecretValue -Value $entry['Secret']
                }
                $registered
            })
        $options = [ordered]@{ port = $Port; max_page_size = $MaxPageSize; seed = $Seed; apps = $apps }
        if ($null -ne $Fault) {
            $options['faults'] = $Fault
        }
        try {
            $handle = [ExchangeSoa.Api]::StartEmulator($Org.Handle, (ConvertTo-CompactJson -InputObject $options))
            $options = $null
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.Emulator'
                BaseUrl    = [ExchangeSoa.Api]::EmulatorBaseUrl($handle)
                Tenant     = [ExchangeSoa.Api]::EmulatorTenant($handle)
                TenantId   = [ExchangeSoa.Api]::EmulatorTenantId($handle)
                Org        = $Org
                Handle     = $handle
            }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
        }
    }
}

function Stop-SoaEmulator {
    <#
    .SYNOPSIS
    Stops an emulator started by Start-SoaEmulator.

    .DESCRIPTION
    Stops accepting, closes every connection and frees the port. Its statistics stay readable with
    Get-SoaEmulatorStatistic. Stopping a stopped emulator does nothing.

    .EXAMPLE
    $emulator | Stop-SoaEmulator
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Emulator.BaseUrl, 'Stop the Exchange Online emulator')) {
            return
        }
        try {
            [ExchangeSoa.Api]::StopEmulator($Emulator.Handle)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Emulator.BaseUrl))
        }
    }
}

function New-SoaEmulatorToken {
    <#
    .SYNOPSIS
    Issues an access token from an emulator, acting as a principal of its organization.

    .DESCRIPTION
    Writes the token as a SecureString, ready for Connect-SoaTenant -AccessToken. A principal the
    organization does not know holds no role: every call it makes is denied.

    .EXAMPLE
    $token = New-SoaEmulatorToken -Emulator $emulator -Principal admin@contoso.com
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType([securestring])]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Principal, 'Issue an emulator access token')) {
            return
        }
        try {
            $token = [ExchangeSoa.Api]::IssueToken($Emulator.Handle, $Principal)
            ConvertTo-SecureString -String $token -AsPlainText -Force
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
        finally {
            $token = $null
        }
    }
}

function Set-SoaEmulatorFault {
    <#
    .SYNOPSIS
    Replaces the faults an emulator injects.

    .DESCRIPTION
    -Fault uses the library's names (see Start-SoaEmulator); an empty hashtable turns every fault
    off. Effective for the next request.

    .EXAMPLE
    Set-SoaEmulatorFault -Emulator $emulator -Fault @{ unavailable_rate = 0.2; latency = 0.05 }
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator,

        [Parameter(Mandatory, Position = 0)]
        [AllowEmptyCollection()]
        [System.Collections.IDictionary] $Fault
    )

    process {
        $json = ConvertTo-CompactJson -InputObject $Fault
        if (-not $PSCmdlet.ShouldProcess($Emulator.BaseUrl, "Inject the faults $json")) {
            return
        }
        try {
            [ExchangeSoa.Api]::SetFaults($Emulator.Handle, $json)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Fault))
        }
    }
}

function Get-SoaEmulatorStatistic {
    <#
    .SYNOPSIS
    Gets what an emulator served: requests, tokens, cmdlets, statuses and injected faults.

    .EXAMPLE
    ($emulator | Get-SoaEmulatorStatistic).Faults
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.EmulatorStatistic')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator
    )

    process {
        try {
            $stats = [ExchangeSoa.Api]::EmulatorStats($Emulator.Handle) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Emulator.BaseUrl))
            return
        }
        [pscustomobject]@{
            PSTypeName     = 'ExchangeSoa.EmulatorStatistic'
            Requests       = $stats.requests
            TokenRequests  = $stats.token_requests
            TokensIssued   = $stats.tokens_issued
            InvokeRequests = $stats.invoke_requests
            Unauthorized   = $stats.unauthorized
            ByCmdlet       = ConvertTo-OrderedDictionary -InputObject $stats.by_cmdlet
            ByStatus       = ConvertTo-OrderedDictionary -InputObject $stats.by_status
            Faults         = ConvertTo-OrderedDictionary -InputObject $stats.faults
        }
    }
}

# --- the transfer -----------------------------------------------------------------------------------

function New-SoaTransferPlan {
    <#
    .SYNOPSIS
    Plans a transfer of the source of authority to Exchange Online: which mailboxes go, and why the others do not.

    .DESCRIPTION
    Reads the selected mailboxes and decides go or skip for each with the preflight findings,
    under the policy: a change ticket is required (-Ticket; -NoTicketRequired relaxes it), a
    wave holds at most -BatchCap mailboxes, excluded and ineligible mailboxes are skipped, and so
    is a mailbox changed on-premises within the last sync cycle plus 24 hours (-IgnoreSettleRule
    turns that into a warning). A plan changes nothing; Start-SoaTransfer runs it.

    The selection: mailboxes piped in or given with -Identity; the identities of a CSV file
    (-CsvPath: an Identity, UserPrincipalName, PrimarySmtpAddress, Mail or Alias column, as
    Export-Csv writes it); otherwise every dir-synced mailbox not yet cloud-managed (of the
    -RecipientType types), in the service's order, those beyond the batch cap deferred to later
    waves. An explicit selection with more eligible mailboxes than the cap is refused.

    The organization findings come from -Preflight (a hashtable with the library's Preflight keys:
    sync, tenant, caller, requirements); a blocking one stops the run. Through -Connection, AD is
    read from -Directory when given (a simulated organization).

    .PARAMETER Now
    The time the plan is made at; by default the simulated organization's virtual time (of -Org, or
    of -Directory), else the current time.

    .EXAMPLE
    $plan = New-SoaTransferPlan -Connection $c -Ticket CHG-1042 -BatchCap 25 -RecipientType UserMailbox

    .EXAMPLE
    Import-Csv wave1.csv | New-SoaTransferPlan -Org $org -Ticket CHG-7
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ExchangeSoa.TransferPlan')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(ParameterSetName = 'Connection')]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Directory,

        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Identity,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CsvPath,

        [Parameter()]
        [Alias('RecipientTypeDetails')]
        [ValidateNotNullOrEmpty()]
        [string[]] $RecipientType,

        [Parameter()]
        [string] $Ticket,

        [Parameter()]
        [switch] $NoTicketRequired,

        [Parameter()]
        [ValidateRange(1, 1000000)]
        [int] $BatchCap = 25,

        [Parameter()]
        [string[]] $Exclude,

        [Parameter()]
        [switch] $IgnoreSettleRule,

        [Parameter()]
        [ValidateRange(1, 64)]
        [int] $MaxConcurrency = 4,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ProbeAttribute,

        [Parameter()]
        [System.Collections.IDictionary] $Preflight,

        [Parameter()]
        [datetime] $Now
    )

    begin {
        $identities = [System.Collections.Generic.List[string]]::new()
    }

    process {
        foreach ($item in @($Identity | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })) {
            $identities.Add($item)
        }
    }

    end {
        if ($identities.Count -gt 0 -and $PSBoundParameters.ContainsKey('CsvPath')) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'OneSelection' -TargetObject $CsvPath -Message (
                        'Give the mailboxes either with -Identity (or the pipeline) or with -CsvPath, not both.')))
        }
        if ($identities.Count -gt 0) {
            $selection = [ordered]@{ identities = [string[]]$identities.ToArray() }
            $what = "$($identities.Count) selected mailbox(es)"
        }
        elseif ($PSBoundParameters.ContainsKey('CsvPath')) {
            $selection = [ordered]@{ csv_file = (Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $CsvPath) }
            $what = "the mailboxes of $CsvPath"
        }
        else {
            $filter = [ordered]@{ dir_synced = $true; cloud_managed = $false }
            if ($PSBoundParameters.ContainsKey('RecipientType')) {
                $filter['recipient_types'] = [string[]]@($RecipientType)
            }
            $selection = [ordered]@{ filter = $filter }
            $what = 'every dir-synced mailbox not yet cloud-managed'
        }
        $policy = [ordered]@{
            require_ticket      = -not $NoTicketRequired
            batch_cap           = $BatchCap
            exclusions          = [string[]]@($Exclude | Where-Object { $null -ne $_ })
            enforce_settle_rule = -not $IgnoreSettleRule
            max_concurrency     = $MaxConcurrency
        }
        if (-not [string]::IsNullOrWhiteSpace($Ticket)) {
            $policy['ticket'] = $Ticket
        }
        if ($PSBoundParameters.ContainsKey('RecipientType')) {
            $policy['allowed_types'] = [string[]]@($RecipientType)
        }
        if ($PSBoundParameters.ContainsKey('ProbeAttribute')) {
            $policy['probe_attribute'] = $ProbeAttribute
        }
        $preflightMap = [ordered]@{}
        if ($null -ne $Preflight) {
            $preflightMap = $Preflight
        }
        $nowText = $null
        if ($PSBoundParameters.ContainsKey('Now')) {
            $nowText = ConvertTo-Rfc3339 -Time $Now
        }
        $target = Get-ExchangeTargetName -Org $Org -Connection $Connection
        if (-not $PSCmdlet.ShouldProcess("$what in $target", 'Plan a transfer (reads mailboxes, changes nothing)')) {
            return
        }
        $backend = $null
        try {
            $backend = Open-BackendHandle -Org $Org -Connection $Connection
            $planJson = [ExchangeSoa.Api]::PlanTransfer($backend, (Get-DirectoryHandle -Directory $Directory),
                (ConvertTo-CompactJson -InputObject $selection), (ConvertTo-CompactJson -InputObject $policy),
                (ConvertTo-CompactJson -InputObject $preflightMap), $nowText)
            $plan = ConvertTo-TransferPlanObject -PlanJson $planJson
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $selection))
            return
        }
        finally {
            if ($null -ne $backend) {
                $backend.Dispose()
            }
        }
        Write-Verbose -Message $plan.Summary
        $plan
    }
}

function Start-SoaTransfer {
    <#
    .SYNOPSIS
    Runs a transfer plan: backs up, sets IsExchangeCloudManaged and verifies each mailbox.

    .DESCRIPTION
    For every mailbox the plan says go: writes a checksummed backup of its attributes (fsynced
    before anything changes), sets IsExchangeCloudManaged to True in a call of its own, reads it
    back (an error that in fact applied counts as applied; a success that did not, as failed) and,
    with a probe attribute in the plan's policy, proves the mailbox is editable in the cloud.
    Everything is journaled in -RunDirectory (by default soa-runs/<RunId> under the current
    folder), so Resume-SoaTransfer finishes a run that was interrupted, never flipping a mailbox
    twice. Progress is shown with Write-Progress. Writes one result per mailbox.

    A plan whose organization findings block is refused. Asks for confirmation unless -Force or
    -Confirm:$false is given; -WhatIf lists the mailboxes that would be transferred.

    .EXAMPLE
    $plan | Start-SoaTransfer -Connection $c -WhatIf

    .EXAMPLE
    Start-SoaTransfer -Org $org -Plan $plan -RunDirectory ./runs/wave1 -Force | Group-Object Step
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.TransferResult')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(ParameterSetName = 'Connection')]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Directory,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.TransferPlan')]
        [psobject] $Plan,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $RunDirectory,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Actor,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        $runDir = Resolve-RunDirectory -Cmdlet $PSCmdlet -Path $RunDirectory -RunId $Plan.RunId
        $go = @($Plan.Entries | Where-Object { $_.Decision -eq 'go' } | ForEach-Object {
                if ([string]::IsNullOrEmpty($_.UserPrincipalName)) { $_.Identity } else { $_.UserPrincipalName }
            })
        $target = "$($go.Count) mailbox(es) of plan $($Plan.RunId) in $(Get-ExchangeTargetName -Org $Org -Connection $Connection): $($go -join ', ')"
        if (-not $PSCmdlet.ShouldProcess($target, "Back up, set IsExchangeCloudManaged to True and verify (journal in $runDir)")) {
            return
        }
        $options = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Actor')) {
            $options['actor'] = $Actor
        }
        $activity = "Transferring the source of authority (plan $($Plan.RunId))"
        $backend = $null
        try {
            $backend = Open-BackendHandle -Org $Org -Connection $Connection
            $report = [ExchangeSoa.Api]::RunTransfer($backend, (Get-DirectoryHandle -Directory $Directory), $Plan.Json, $runDir,
                (ConvertTo-CompactJson -InputObject $options), (Get-TransferProgressHandler -Activity $activity))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Plan.RunId))
            return
        }
        finally {
            Write-Progress -Id 1 -Activity $activity -Completed
            if ($null -ne $backend) {
                $backend.Dispose()
            }
        }
        ConvertTo-TransferResultObject -ReportJson $report -RunDirectory $runDir
    }
}

function Resume-SoaTransfer {
    <#
    .SYNOPSIS
    Finishes a transfer run that was interrupted (a crash, a kill, a stopped pipeline).

    .DESCRIPTION
    Reads the plan and the journal of -RunDirectory and finishes every mailbox that is not done. A
    mailbox whose flip may have been sent is read back first and never flipped again once it is
    cloud-managed; none is flipped without its backup. Writes one result per mailbox of the plan.

    .EXAMPLE
    Resume-SoaTransfer -Connection $c -RunDirectory ./soa-runs/20261127T090000Z-1a2b-1 -Force
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.TransferResult')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(ParameterSetName = 'Connection')]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Directory,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $RunDirectory,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Actor,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
        $resumed = @{}
    }

    process {
        $runDir = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $RunDirectory
        # Results piped from Start-SoaTransfer carry the same folder once per mailbox.
        if ($resumed.ContainsKey($runDir)) {
            return
        }
        $resumed[$runDir] = $true
        if (-not $PSCmdlet.ShouldProcess($runDir, 'Resume the transfer (finish every mailbox not done; none is flipped twice)')) {
            return
        }
        $options = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Actor')) {
            $options['actor'] = $Actor
        }
        $activity = "Resuming the transfer in $runDir"
        $backend = $null
        try {
            $backend = Open-BackendHandle -Org $Org -Connection $Connection
            $report = [ExchangeSoa.Api]::ResumeTransfer($backend, (Get-DirectoryHandle -Directory $Directory), $runDir,
                (ConvertTo-CompactJson -InputObject $options), (Get-TransferProgressHandler -Activity $activity))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $runDir))
            return
        }
        finally {
            Write-Progress -Id 1 -Activity $activity -Completed
            if ($null -ne $backend) {
                $backend.Dispose()
            }
        }
        ConvertTo-TransferResultObject -ReportJson $report -RunDirectory $runDir
    }
}

function Undo-SoaTransfer {
    <#
    .SYNOPSIS
    Rolls mailboxes back to on-premises management (IsExchangeCloudManaged to False), after the loss report.

    .DESCRIPTION
    For each mailbox, compares its cloud values with AD's and reports which ones the next sync
    will overwrite. When any would be lost, the rollback is refused (OperationStopped, with the
    loss named) unless -AcknowledgeLoss is given, or -ExportPath names a folder where the values
    are saved first (rollback-loss-<identity>.json). Then sets the flag in a call of its own and
    reads it back. With -RunDirectory the refusal or the rollback is recorded in that run's audit
    log. Through -Connection, AD is read from -Directory (a simulated organization).

    .EXAMPLE
    Undo-SoaTransfer -Org $org -Identity alice@contoso.com -ExportPath ./loss -RunDirectory $run -Force

    .EXAMPLE
    $results | Where-Object Step -eq 'probe_failed' | Undo-SoaTransfer -Org $org -AcknowledgeLoss
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.RollbackOutcome')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(ParameterSetName = 'Connection')]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Directory,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Identity,

        [Parameter()]
        [switch] $AcknowledgeLoss,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ExportPath,

        [Parameter()]
        [string] $Ticket,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $RunDirectory,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Actor,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Set IsExchangeCloudManaged to False (the next sync overwrites cloud values with AD values)')) {
            return
        }
        $options = [ordered]@{ acknowledge_loss = [bool]$AcknowledgeLoss }
        if (-not [string]::IsNullOrWhiteSpace($Ticket)) {
            $options['ticket'] = $Ticket
        }
        if ($PSBoundParameters.ContainsKey('Actor')) {
            $options['actor'] = $Actor
        }
        $exportFile = $null
        $auditFile = $null
        $backend = $null
        try {
            if ($PSBoundParameters.ContainsKey('ExportPath')) {
                $exportDir = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ExportPath
                $null = [System.IO.Directory]::CreateDirectory($exportDir)
                $exportFile = [System.IO.Path]::Combine($exportDir, "rollback-loss-$(ConvertTo-SafeFileName -Text $Identity).json")
                $options['export_to'] = $exportFile
            }
            if (-not [string]::IsNullOrEmpty($RunDirectory)) {
                $auditFile = [System.IO.Path]::Combine((Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $RunDirectory), 'audit.jsonl')
            }
            $backend = Open-BackendHandle -Org $Org -Connection $Connection
            $outcome = [ExchangeSoa.Api]::RollbackTransfer($backend, (Get-DirectoryHandle -Directory $Directory), $Identity,
                (ConvertTo-CompactJson -InputObject $options), $auditFile) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Identity))
            return
        }
        finally {
            if ($null -ne $backend) {
                $backend.Dispose()
            }
        }
        [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.RollbackOutcome'
            Identity   = $outcome.identity
            RolledBack = [bool]$outcome.rolled_back
            ExportedTo = $outcome.exported
            Loss       = ConvertTo-RollbackLossObject -Loss $outcome.loss
        }
    }
}

function Restore-SoaBackup {
    <#
    .SYNOPSIS
    Restores a mailbox's Exchange values from a transfer backup: in Exchange Online, or as an on-premises script.

    .DESCRIPTION
    Backups are the files in a run folder's backups/ (one per mailbox, checksummed: a damaged or
    edited backup is refused). For a cloud-managed mailbox, the values that differ are set again
    with one Set-Mailbox call and read back (-WhatIf names them without changing anything). For a
    mailbox mastered in AD, -AsScript writes a PowerShell script of Set-ADUser -Replace commands
    (every value a quoted literal) to review and run on-premises; it changes nothing.

    .EXAMPLE
    Get-ChildItem ./soa-runs/$($plan.RunId)/backups | Restore-SoaBackup -Connection $c -WhatIf

    .EXAMPLE
    Restore-SoaBackup -Path $backupFile -AsScript | Set-Content restore-alice.ps1
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.RestoreReport', 'System.String')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('LiteralPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(ParameterSetName = 'Script', Mandatory)]
        [switch] $AsScript,

        [Parameter(ParameterSetName = 'Script')]
        [string] $OverridePath,

        [Parameter()]
        [switch] $Force
    )

    begin {
        if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        foreach ($item in $Path) {
            $file = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $item
            if ($AsScript) {
                try {
                    [ExchangeSoa.Api]::RestoreScript((Get-CatalogHandle -OverridePath $OverridePath), $file)
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file))
                }
                continue
            }
            $backend = $null
            try {
                $backend = Open-BackendHandle -Org $Org -Connection $Connection
                # A dry run first: it names the values that differ, for -WhatIf and -Confirm.
                $dry = [ExchangeSoa.Api]::RestoreInCloud($backend, $file, $true) | ConvertFrom-Json
                $names = @($dry.changes.set.PSObject.Properties | ForEach-Object { $_.Name })
                $report = $dry
                if ($names.Count -gt 0 -and $PSCmdlet.ShouldProcess($dry.identity, "Set-Mailbox from the backup: $($names -join ', ')")) {
                    $report = [ExchangeSoa.Api]::RestoreInCloud($backend, $file, $false) | ConvertFrom-Json
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file))
                continue
            }
            finally {
                if ($null -ne $backend) {
                    $backend.Dispose()
                }
            }
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RestoreReport'
                Identity   = $report.identity
                DryRun     = [bool]$report.dry_run
                Verified   = [bool]$report.verified
                Changes    = ConvertTo-OrderedDictionary -InputObject $report.changes.set
                Backup     = $file
            }
        }
    }
}

function Enable-SoaCloudManagedByDefault {
    <#
    .SYNOPSIS
    Turns on the tenant-wide default: new dir-synced mailboxes are cloud-managed from the start.

    .DESCRIPTION
    Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault, read back, behind the
    preflight's gate: while mailboxes, mail users or remote mailboxes are still created
    on-premises (-OnPremisesProvisioningInUse $true), new synced users would arrive without an
    Exchange Online recipient, so the change is refused with the reason and the fix. Asks for
    confirmation unless -Force or -Confirm:$false is given.

    .EXAMPLE
    Enable-SoaCloudManagedByDefault -Connection $c -OnPremisesProvisioningInUse $false -WhatIf
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Mandatory)]
        [bool] $OnPremisesProvisioningInUse,

        [Parameter()]
        [System.Collections.IDictionary] $Requirement,

        [Parameter()]
        [switch] $Force
    )

    if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
        $ConfirmPreference = 'None'
    }
    $target = Get-ExchangeTargetName -Org $Org -Connection $Connection
    if (-not $PSCmdlet.ShouldProcess($target, 'Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault')) {
        return
    }
    $tenant = [ordered]@{ on_premises_provisioning_in_use = $OnPremisesProvisioningInUse }
    $requirements = $null
    if ($null -ne $Requirement -and $Requirement.Count -gt 0) {
        $requirements = ConvertTo-CompactJson -InputObject $Requirement
    }
    $backend = $null
    try {
        $backend = Open-BackendHandle -Org $Org -Connection $Connection
        [ExchangeSoa.Api]::EnableCloudManagedByDefault($backend, (ConvertTo-CompactJson -InputObject $tenant), $requirements)
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
    }
    finally {
        if ($null -ne $backend) {
            $backend.Dispose()
        }
    }
}

function Disable-SoaCloudManagedByDefault {
    <#
    .SYNOPSIS
    Turns off the tenant-wide default (ExchangeAttributesServerManagedByDefault).

    .DESCRIPTION
    Applies to objects created from now on: users created while the default was on are not
    repaired. The setting is read back. Asks for confirmation unless -Force or -Confirm:$false is
    given.

    .EXAMPLE
    Disable-SoaCloudManagedByDefault -Connection $c -Force
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org', SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter()]
        [switch] $Force
    )

    if (Test-ForceWithoutConfirm -BoundParameters $PSBoundParameters) {
        $ConfirmPreference = 'None'
    }
    $target = Get-ExchangeTargetName -Org $Org -Connection $Connection
    if (-not $PSCmdlet.ShouldProcess($target, 'Set-OrganizationConfig -ExchangeAttributesServerManagedByDefault')) {
        return
    }
    $backend = $null
    try {
        $backend = Open-BackendHandle -Org $Org -Connection $Connection
        [ExchangeSoa.Api]::DisableCloudManagedByDefault($backend)
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $target))
    }
    finally {
        if ($null -ne $backend) {
            $backend.Dispose()
        }
    }
}

function Get-SoaRbacReport {
    <#
    .SYNOPSIS
    Reviews who can flip mailboxes (Set-Mailbox -IsExchangeCloudManaged) and how to confine that right.

    .DESCRIPTION
    Writes the role assignments that carry the right, the commands that create a dedicated role
    and role group (-RoleGroupName) holding only it, and what is not known for certain.

    .EXAMPLE
    (Get-SoaRbacReport -Connection $c -RoleGroupName 'SOA Operators').Commands
    #>
    [CmdletBinding(DefaultParameterSetName = 'Org')]
    [OutputType('ExchangeSoa.RbacReport')]
    param(
        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $RoleGroupName = 'SOA Transfer Operators'
    )

    $backend = $null
    try {
        $backend = Open-BackendHandle -Org $Org -Connection $Connection
        $report = [ExchangeSoa.Api]::RbacReview($backend, $RoleGroupName) | ConvertFrom-Json
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $RoleGroupName))
        return
    }
    finally {
        if ($null -ne $backend) {
            $backend.Dispose()
        }
    }
    $assignments = @(foreach ($assignment in @($report.assignments | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RoleAssignment'
                Role       = $assignment.role
                Assignee   = $assignment.assignee
                Cmdlet     = 'Set-Mailbox'
                Parameter  = 'IsExchangeCloudManaged'
            }
        })
    [pscustomobject]@{
        PSTypeName    = 'ExchangeSoa.RbacReport'
        RoleGroupName = $RoleGroupName
        Assignments   = $assignments
        Commands      = [string[]]@($report.commands)
        Caveats       = [string[]]@($report.caveats)
    }
}

# --- reconciliation of AD with Exchange Online ------------------------------------------------------

# The difference classes of a reconciliation report (serde names), for -Class.
$script:DifferenceClasses = @('cloud_master_ad_stale', 'ad_master_cloud_behind', 'identity_drift', 'conflict')

# One difference of the library's report JSON (already parsed) as an ExchangeSoa.Difference.
function ConvertTo-DifferenceObject {
    param([object] $Difference)

    [pscustomobject]@{
        PSTypeName          = 'ExchangeSoa.Difference'
        Mailbox             = $Difference.mailbox
        Attribute           = $Difference.attribute
        LdapName            = $Difference.ldap_name
        AdValue             = $Difference.ad_value
        CloudValue          = $Difference.cloud_value
        Class               = $Difference.class
        Reason              = $Difference.reason
        AttributeClass      = $Difference.attribute_class
        WrittenBack         = [bool]$Difference.written_back
        MatchedBy           = $Difference.matched_by
        ExchangeGuid        = $Difference.exchange_guid
        AdObjectGuid        = $Difference.ad_object_guid
        AdDistinguishedName = $Difference.ad_distinguished_name
        AdOrigin            = $Difference.ad_origin
    }
}

# A report handle as an ExchangeSoa.ReconcileReport: the counts, the differences as objects, the
# report's JSON and the native handle (which Export-SoaWritebackPlan uses).
function ConvertTo-ReconcileReportObject {
    param([ExchangeSoa.SoaReconcileReportHandle] $Handle)

    $json = [ExchangeSoa.Api]::ReconcileReportJson($Handle)
    $report = ConvertFrom-Json -InputObject $json
    [pscustomobject]@{
        PSTypeName       = 'ExchangeSoa.ReconcileReport'
        Generated        = $report.generated
        AdSource         = $report.ad_source
        CloudSource      = $report.cloud_source
        WritebackEnabled = [bool]$report.writeback_enabled
        Totals           = $report.totals
        Differences      = @(foreach ($d in @($report.differences | Where-Object { $null -ne $_ })) { ConvertTo-DifferenceObject -Difference $d })
        AdOnly           = @($report.ad_only | Where-Object { $null -ne $_ })
        CloudOnly        = @($report.cloud_only | Where-Object { $null -ne $_ })
        Ambiguous        = @($report.ambiguous | Where-Object { $null -ne $_ })
        Json             = $json
        Handle           = $Handle
    }
}

function Compare-SoaDirectory {
    <#
    .SYNOPSIS
    Compares on-premises AD with Exchange Online and writes every Exchange attribute that differs.

    .DESCRIPTION
    Reads an AD export (-AdPath: Get-ADUser | Export-Csv, ldifde -f, or Get-ADUser | ConvertTo-Json;
    the format from the extension or -AdFormat) and the cloud side: a Get-Mailbox | ConvertTo-Json
    file (-CloudPath), or the dir-synced mailboxes of a live Exchange Online (-Org, a simulated
    organization, or -Connection, a tenant from Connect-SoaTenant). Each AD account is paired with
    its mailbox (on msExchMailboxGuid, then userPrincipalName, then the primary address), every
    catalog attribute is compared, and each difference is classified with the authority rules:
    cloud_master_ad_stale (the cloud masters it and AD holds an old value), ad_master_cloud_behind,
    identity_drift or conflict, with the reason.

    Writes one ExchangeSoa.Difference per difference; with -PassThru, writes the report instead
    (ExchangeSoa.ReconcileReport, with the counts, the differences and the objects found on one
    side only), which Export-SoaWritebackPlan takes. -HtmlReport, -JsonReport and -CsvReport also
    save the report to files (each written whole or not at all). Nothing is changed in AD or in
    Exchange Online.

    A malformed record stops the comparison with an error naming the file and the line.

    .PARAMETER WritebackEnabled
    Cloud Sync writeback (EXO to AD attribute sync) is configured: a stale AD value of a written-back
    attribute will catch up by itself.

    .PARAMETER Attribute
    Compare only these attributes (any catalog name).

    .PARAMETER Now
    The time of the comparison, the reference for the sync grace period; by default the current time.

    .EXAMPLE
    Compare-SoaDirectory -AdPath .\ad-users.csv -CloudPath .\mailboxes.json -HtmlReport .\drift.html

    .EXAMPLE
    $report = Compare-SoaDirectory -AdPath .\ad-users.ldf -Connection $c -PassThru
    $report | Export-SoaWritebackPlan -ScriptPath .\writeback.ps1
    #>
    [CmdletBinding(DefaultParameterSetName = 'File')]
    [OutputType('ExchangeSoa.Difference', 'ExchangeSoa.ReconcileReport')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $AdPath,

        [Parameter()]
        [ValidateSet('Csv', 'Ldif', 'Json')]
        [string] $AdFormat,

        [Parameter(ParameterSetName = 'File', Mandatory, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $CloudPath,

        [Parameter(ParameterSetName = 'Org', Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(ParameterSetName = 'Connection', Mandatory)]
        [PSTypeName('ExchangeSoa.Connection')]
        [psobject] $Connection,

        [Parameter()]
        [switch] $WritebackEnabled,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter()]
        [ValidateRange(0, 525600)]
        [int] $SyncGraceMinutes = 120,

        [Parameter()]
        [datetime] $Now,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HtmlReport,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $JsonReport,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CsvReport,

        [Parameter()]
        [switch] $PassThru,

        [Parameter()]
        [string] $OverridePath
    )

    $adFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $AdPath
    $options = [ordered]@{
        writeback_enabled  = [bool]$WritebackEnabled
        sync_grace_minutes = $SyncGraceMinutes
    }
    if ($PSBoundParameters.ContainsKey('Attribute')) {
        $options['attributes'] = [string[]]@($Attribute)
    }
    if ($PSBoundParameters.ContainsKey('Now')) {
        $options['now'] = ConvertTo-Rfc3339 -Time $Now
    }
    $format = $null
    if ($PSBoundParameters.ContainsKey('AdFormat')) {
        $format = $AdFormat.ToLowerInvariant()
    }
    $handle = $null
    $backend = $null
    try {
        $catalog = Get-CatalogHandle -OverridePath $OverridePath
        if ($PSCmdlet.ParameterSetName -eq 'File') {
            $cloudFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $CloudPath
            $handle = [ExchangeSoa.Api]::ReconcileFiles($catalog, $adFile, $format, $cloudFile, (ConvertTo-CompactJson -InputObject $options))
        }
        else {
            $backend = Open-BackendHandle -Org $Org -Connection $Connection
            $handle = [ExchangeSoa.Api]::ReconcileLive($catalog, $adFile, $format, $backend, (ConvertTo-CompactJson -InputObject $options))
        }
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $AdPath))
    }
    finally {
        if ($null -ne $backend) {
            $backend.Dispose()
        }
    }
    $saves = @(
        @{ Path = $HtmlReport; Save = { param($h, $f) [ExchangeSoa.Api]::SaveReconcileReportHtml($h, $f) } }
        @{ Path = $JsonReport; Save = { param($h, $f) [ExchangeSoa.Api]::SaveReconcileReportJson($h, $f) } }
        @{ Path = $CsvReport; Save = { param($h, $f) [ExchangeSoa.Api]::SaveReconcileReportCsv($h, $f) } }
    )
    foreach ($save in $saves) {
        if ([string]::IsNullOrEmpty($save.Path)) {
            continue
        }
        $file = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $save.Path
        try {
            & $save.Save $handle $file
            Write-Verbose -Message "Report written to $file"
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file -IoCategory 'WriteError'))
        }
    }
    $report = ConvertTo-ReconcileReportObject -Handle $handle
    $totals = $report.Totals
    Write-Verbose -Message ("$($totals.differences) difference(s) in $($totals.compared) comparison(s) of $($totals.matched) matched " +
        "mailbox(es); $($totals.ad_only) AD account(s) and $($totals.cloud_only) mailbox(es) on one side only, $($totals.ambiguous) ambiguous.")
    if ($PassThru) {
        return $report
    }
    $report.Differences
}

function Export-SoaWritebackPlan {
    <#
    .SYNOPSIS
    Writes a writeback plan: the LDIF and the PowerShell script that bring AD up to the cloud values.

    .DESCRIPTION
    Takes a reconciliation report (-Report, from Compare-SoaDirectory -PassThru, or -ReportPath, a
    JSON report it saved) and plans, for the chosen differences, the changes that write the cloud
    value to the AD account: by default the differences where Exchange Online masters the attribute
    and AD holds a stale value (class cloud_master_ad_stale); -Class, -Attribute and -Mailbox choose
    others. Writes the plan as LDIF for ldifde -i (-LdifPath) and as a script of Set-ADUser calls
    (-ScriptPath; it runs with -WhatIf unless started with -Apply), every value quoted or encoded.
    Nothing is applied to AD: the files are for review. At least one path is required.

    Writes an ExchangeSoa.WritebackPlan with the number of changes and the files.

    .EXAMPLE
    Compare-SoaDirectory -AdPath .\ad.csv -CloudPath .\mailboxes.json -PassThru |
        Export-SoaWritebackPlan -LdifPath .\writeback.ldf -ScriptPath .\writeback.ps1

    .EXAMPLE
    Export-SoaWritebackPlan -ReportPath .\drift.json -Class conflict -Attribute extensionAttribute1 -ScriptPath .\fix.ps1 -WhatIf
    #>
    [CmdletBinding(DefaultParameterSetName = 'Report', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.WritebackPlan')]
    param(
        [Parameter(ParameterSetName = 'Report', Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.ReconcileReport')]
        [psobject] $Report,

        [Parameter(ParameterSetName = 'Path', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $ReportPath,

        [Parameter()]
        [ValidateSet('cloud_master_ad_stale', 'ad_master_cloud_behind', 'identity_drift', 'conflict')]
        [string[]] $Class,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Attribute,

        [Parameter()]
        [Alias('Identity')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Mailbox,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $LdifPath,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ScriptPath
    )

    begin {
        if ([string]::IsNullOrEmpty($LdifPath) -and [string]::IsNullOrEmpty($ScriptPath)) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'NoPlanPath' -TargetObject $null -Message (
                        'Give -LdifPath, -ScriptPath or both: the plan is written to files for review.')))
        }
        $selection = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Class')) {
            $selection['classes'] = [string[]]@($Class)
        }
        if ($PSBoundParameters.ContainsKey('Attribute')) {
            $selection['attributes'] = [string[]]@($Attribute)
        }
        if ($PSBoundParameters.ContainsKey('Mailbox')) {
            $selection['mailboxes'] = [string[]]@($Mailbox)
        }
        $selectionJson = ConvertTo-CompactJson -InputObject $selection
        $ldifFile = $null
        if (-not [string]::IsNullOrEmpty($LdifPath)) {
            $ldifFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $LdifPath
        }
        $scriptFile = $null
        if (-not [string]::IsNullOrEmpty($ScriptPath)) {
            $scriptFile = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ScriptPath
        }
    }

    process {
        $loaded = $null
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Path') {
                $loaded = [ExchangeSoa.Api]::LoadReconcileReport((Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $ReportPath))
                $handle = $loaded
            }
            else {
                $handle = $Report.Handle
            }
            # Counted first (nothing written), so that -WhatIf and the prompt say how much.
            $count = [ExchangeSoa.Api]::SaveWritebackPlan($handle, $selectionJson, $null, $null)
            $files = (@($ldifFile, $scriptFile) | Where-Object { $null -ne $_ }) -join ' and '
            if (-not $PSCmdlet.ShouldProcess($files, "Write a writeback plan of $count attribute change(s) (nothing is applied to AD)")) {
                return
            }
            $written = [ExchangeSoa.Api]::SaveWritebackPlan($handle, $selectionJson, $ldifFile, $scriptFile)
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $selection -IoCategory 'WriteError'))
            return
        }
        finally {
            if ($null -ne $loaded) {
                $loaded.Dispose()
            }
        }
        [pscustomobject]@{
            PSTypeName = 'ExchangeSoa.WritebackPlan'
            Changes    = $written
            LdifPath   = $ldifFile
            ScriptPath = $scriptFile
        }
    }
}

# --- the script auditor ------------------------------------------------------------------------------

# One finding of the library's audit JSON (already parsed) as an ExchangeSoa.ScriptFinding.
function ConvertTo-ScriptFindingObject {
    param([object] $Finding)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.ScriptFinding'
        Rule       = $Finding.rule
        Severity   = $Finding.severity
        File       = $Finding.location.file
        Line       = $Finding.location.line
        Column     = $Finding.location.column
        EndLine    = $Finding.location.end_line
        EndColumn  = $Finding.location.end_column
        Command    = $Finding.command
        Attributes = [string[]]@($Finding.attributes | Where-Object { $null -ne $_ })
        Message    = $Finding.message
        Fix        = $Finding.fix
    }
}

function Test-SoaScript {
    <#
    .SYNOPSIS
    Audits PowerShell scripts for writes of Exchange attributes that no longer land where the authority is.

    .DESCRIPTION
    Parses a script, or every .ps1, .psm1 and .psd1 file under a folder, and reports the commands
    that still write Exchange attributes on-premises (Set-RemoteMailbox, Set-ADUser -Replace of
    proxyAddresses or extensionAttributeN, ...), loads of the Exchange tools, account deletions,
    authority flips without a ticket, and what it cannot decide (splats built elsewhere). Comments
    and strings that mention cmdlets are not commands. Each finding has a stable rule id
    (SOA-PS001...) and, where a safe rewrite exists, the Exchange Online command that replaces it.

    Writes ExchangeSoa.ScriptFinding objects; -Format Text, Json or Sarif writes the report as one
    string instead (SARIF 2.1.0 for code-scanning tools). -Fix writes the rewritten scripts: copies
    under -OutputPath (keeping the folder layout), or, only with -InPlace, over the scripts
    themselves. Without -Fix nothing is written.

    .PARAMETER MaxFileBytes
    Files larger than this are reported as unreadable (SOA-PS901) instead of audited.

    .EXAMPLE
    Test-SoaScript -Path .\scripts | Group-Object Rule

    .EXAMPLE
    Test-SoaScript -Path .\scripts -Format Sarif | Set-Content .\audit.sarif

    .EXAMPLE
    Test-SoaScript -Path .\scripts -Fix -OutputPath .\rewritten -WhatIf
    #>
    [CmdletBinding(DefaultParameterSetName = 'Audit', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ExchangeSoa.ScriptFinding', [string])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter()]
        [ValidateSet('Object', 'Text', 'Json', 'Sarif')]
        [string] $Format = 'Object',

        [Parameter()]
        [switch] $Fix,

        [Parameter(ParameterSetName = 'Copy', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $OutputPath,

        [Parameter(ParameterSetName = 'InPlace', Mandatory)]
        [switch] $InPlace,

        [Parameter()]
        [ValidateRange('Positive')]
        [long] $MaxFileBytes,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        if ($Fix -and $PSCmdlet.ParameterSetName -eq 'Audit') {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'FixWithoutTarget' -TargetObject $null -Message (
                        '-Fix writes the rewritten scripts: give -OutputPath for copies, or -InPlace to change the scripts themselves.')))
        }
        if (-not $Fix -and $PSCmdlet.ParameterSetName -ne 'Audit') {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-InvalidArgumentRecord -ErrorId 'TargetWithoutFix' -TargetObject $null -Message (
                        '-OutputPath and -InPlace say where -Fix writes the rewritten scripts; add -Fix.')))
        }
        try {
            $catalog = Get-CatalogHandle -OverridePath $OverridePath
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
        }
        $optionsJson = $null
        if ($PSBoundParameters.ContainsKey('MaxFileBytes')) {
            $optionsJson = ConvertTo-CompactJson -InputObject ([ordered]@{ max_file_bytes = $MaxFileBytes })
        }
        $outDir = $null
        if ($PSCmdlet.ParameterSetName -eq 'Copy') {
            $outDir = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $OutputPath
        }
    }

    process {
        foreach ($item in $Path) {
            $full = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $item
            try {
                switch ($Format) {
                    'Text' { [ExchangeSoa.Api]::AuditScriptsText($catalog, $full, $optionsJson) }
                    'Json' { [ExchangeSoa.Api]::AuditScripts($catalog, $full, $optionsJson) }
                    'Sarif' { [ExchangeSoa.Api]::AuditScriptsSarif($catalog, $full, $optionsJson) }
                    default {
                        $audit = [ExchangeSoa.Api]::AuditScripts($catalog, $full, $optionsJson) | ConvertFrom-Json
                        foreach ($file in @($audit.files | Where-Object { $null -ne $_ })) {
                            foreach ($finding in @($file.findings | Where-Object { $null -ne $_ })) {
                                ConvertTo-ScriptFindingObject -Finding $finding
                            }
                        }
                    }
                }
                if ($Fix) {
                    $where = if ($InPlace) { 'in place' } else { "as copies under $outDir" }
                    if ($PSCmdlet.ShouldProcess($full, "Write the safe rewrites of the scripts $where")) {
                        $written = [ExchangeSoa.Api]::FixScripts($catalog, $full, $optionsJson, $outDir, [bool]$InPlace)
                        Write-Verbose -Message "$written rewritten script(s) of $full written $where."
                    }
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item))
            }
        }
    }
}

Export-ModuleMember -Function @(
    'Get-SoaAttribute'
    'Get-SoaAuthority'
    'Test-SoaEdit'
    'Get-SoaRollbackLoss'
    'Test-SoaProxyAddress'
    'Test-SoaSmtpAddress'
    'Test-SoaRecipientType'
    'Test-SoaPrerequisite'
    'Test-SoaMailbox'
    'ConvertTo-SoaSyncVersion'
    'Compare-SoaSyncVersion'
    'New-SoaSimulatedOrg'
    'Import-SoaSimulatedOrg'
    'Export-SoaSimulatedOrg'
    'Connect-SoaSimulatedOrg'
    'Add-SoaSimulatedPrincipal'
    'Get-SoaSimulatedRoleAssignment'
    'Invoke-SoaSyncCycle'
    'Invoke-SoaWritebackCycle'
    'Step-SoaSimulatedClock'
    'Get-SoaSimulatedMailbox'
    'New-SoaSimulatedMailbox'
    'Set-SoaSimulatedMailbox'
    'Set-SoaCloudManaged'
    'Get-SoaSimulatedUser'
    'New-SoaSimulatedAdUser'
    'Get-SoaSimulatedAdUser'
    'Set-SoaSimulatedAdUser'
    'Remove-SoaSimulatedAdUser'
    'Add-SoaSimulatedLicense'
    'Set-SoaSimulatedSyncEngine'
    'Get-SoaSimulatedOrgConfig'
    'Set-SoaSimulatedOrgConfig'
    'Search-SoaSimulatedAuditLog'
    'Get-SoaSimulatedSyncError'
    'Get-SoaSimulatedOrgSummary'
    'Connect-SoaTenant'
    'Disconnect-SoaTenant'
    'Get-SoaMailbox'
    'Set-SoaMailbox'
    'Get-SoaUser'
    'Get-SoaOrgConfig'
    'Get-SoaRoleAssignment'
    'Search-SoaAuditLog'
    'Start-SoaEmulator'
    'Stop-SoaEmulator'
    'New-SoaEmulatorToken'
    'Set-SoaEmulatorFault'
    'Get-SoaEmulatorStatistic'
    'New-SoaTransferPlan'
    'Start-SoaTransfer'
    'Resume-SoaTransfer'
    'Undo-SoaTransfer'
    'Restore-SoaBackup'
    'Enable-SoaCloudManagedByDefault'
    'Disable-SoaCloudManagedByDefault'
    'Get-SoaRbacReport'
    'Compare-SoaDirectory'
    'Export-SoaWritebackPlan'
    'Test-SoaScript'
)
