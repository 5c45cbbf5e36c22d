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
