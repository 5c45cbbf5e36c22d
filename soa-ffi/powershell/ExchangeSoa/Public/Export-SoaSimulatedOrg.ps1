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
