#Requires -Version 7.2
<#
ExchangeSoa: source of authority of Exchange attributes in hybrid Exchange, for PowerShell 7.

The module is a thin front end over the exchange-soa native library (soa_ffi), reached through
the P/Invoke declarations of SoaNative.cs. Every decision (who masters an attribute, whether an
edit sticks, what a rollback loses, which prerequisites block) is made by the library; the
cmdlets only turn parameters into the library's JSON and its JSON into objects.

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
# category from its status; any other error is passed on as it is.
function ConvertTo-NativeErrorRecord {
    param(
        [System.Management.Automation.ErrorRecord] $ErrorRecord,
        [object] $TargetObject,
        [System.Management.Automation.ErrorCategory] $UnknownAttributeCategory = 'InvalidArgument'
    )

    $soa = Get-NativeException -Exception $ErrorRecord.Exception
    if ($null -eq $soa) {
        return $ErrorRecord
    }
    $category = switch ([int]$soa.Status) {
        1 { 'InvalidArgument' }
        2 { 'InvalidArgument' }
        104 { $UnknownAttributeCategory }
        105 { 'InvalidData' }
        200 { 'ReadError' }
        300 { 'ObjectNotFound' }
        301 { 'PermissionDenied' }
        302 { 'InvalidOperation' }
        303 { 'InvalidOperation' }
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

# The attribute's canonical name, as the library defines it (Attribute::name in soa-core): the
# Exchange property, else the LDAP name, else the parameter, else the Graph name.
function Get-CanonicalName {
    param([object] $Attribute)

    foreach ($candidate in @($Attribute.exo_property, $Attribute.ldap_name, $Attribute.parameter, $Attribute.graph_name)) {
        if (-not [string]::IsNullOrEmpty($candidate)) {
            return [string]$candidate
        }
    }
    return $null
}

function ConvertTo-AttributeObject {
    param([object] $Attribute)

    [pscustomobject]@{
        PSTypeName     = 'ExchangeSoa.Attribute'
        Name           = Get-CanonicalName -Attribute $Attribute
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
                        $names = @($attribute.ldap_name, $attribute.exo_property, $attribute.parameter, $attribute.graph_name)
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
                    Attribute     = Get-CanonicalName -Attribute $row
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
)
