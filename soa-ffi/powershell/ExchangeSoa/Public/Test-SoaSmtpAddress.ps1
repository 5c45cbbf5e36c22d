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
                foreach ($message in @(Select-InvalidInputMessage -Cmdlet $PSCmdlet -ErrorRecord $_ -TargetObject $text)) {
                    [pscustomobject]@{
                        PSTypeName = 'ExchangeSoa.SmtpAddress'
                        Address    = $text
                        IsValid    = $false
                        LocalPart  = $null
                        Domain     = $null
                        Error      = $message
                    }
                }
            }
        }
    }
}
