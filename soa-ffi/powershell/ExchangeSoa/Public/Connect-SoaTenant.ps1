function Connect-SoaTenant {
    <#
    .SYNOPSIS
    Connects to a tenant's Exchange Online through the REST client.

    .DESCRIPTION
    Makes a connection to the Exchange Online InvokeCommand gateway of -Tenant (its ID, a GUID, or
    its onmicrosoft.com domain); New-SoaSession -Connection makes the session that the Exchange
    Online cmdlets and the transfer take (Get-SoaMailbox, Set-SoaCloudManaged, New-SoaTransferPlan,
    Start-SoaTransfer, ...). The
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

    try {
        $hosts = ConvertTo-CloudSelection -Cloud $Cloud -ExchangeUrl $ExchangeUrl -LoginUrl $LoginUrl
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Tenant))
    }
    $options = [ordered]@{ page_size = $PageSize; delegated_upn = $DelegatedUser }
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
        $handle = [ExchangeSoa.Api]::Connect($Tenant, $hosts.Text, (ConvertTo-CompactJson -InputObject $credential),
            (ConvertTo-CompactJson -InputObject $options -OmitEmpty))
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
        Cloud              = $hosts.Name
        ClientId           = $ClientId
        AuthenticationType = $authentication
        Endpoint           = $endpoint
        Handle             = $handle
    }
}
