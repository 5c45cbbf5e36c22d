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
