function Start-SoaEmulator {
    <#
    .SYNOPSIS
    Starts the HTTP emulator of Exchange Online's gateway and token endpoint for a simulated organization.

    .DESCRIPTION
    Serves -Org over the real wire protocol on 127.0.0.1, so that Connect-SoaTenant and a session
    on its connection (New-SoaSession -Connection) can be rehearsed end to end without a tenant.
    Tokens act as their principal in the organization (its roles, write-scope rule and audit log
    apply), and changes made through the emulator are seen through -Org. Get a token with New-SoaEmulatorToken, or register
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
        $apps = @(ConvertTo-EmulatorApp -App $App)
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
