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
