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
