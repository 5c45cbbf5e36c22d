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
