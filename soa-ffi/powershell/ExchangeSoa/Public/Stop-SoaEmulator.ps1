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
