function Test-SoaProxyAddress {
    <#
    .SYNOPSIS
    Tests proxy addresses (EmailAddresses, AD proxyAddresses).

    .DESCRIPTION
    Writes one object per address with IsValid and, for an invalid address, the reason in Error;
    a malformed address is a result here, not an error. With -Set, validates all the addresses
    received as one mailbox's set (exactly one primary SMTP address, no duplicates) and writes
    one object.

    .EXAMPLE
    'SMTP:alice@contoso.com', 'smtp:alice@fabrikam', 'bogus' | Test-SoaProxyAddress

    .EXAMPLE
    (Get-Mailbox alice).EmailAddresses | Test-SoaProxyAddress -Set
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.ProxyAddress', 'ExchangeSoa.ProxyAddressSet')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('EmailAddresses', 'ProxyAddresses')]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [string[]] $Address,

        [Parameter()]
        [switch] $Set
    )

    begin {
        $collected = [System.Collections.Generic.List[string]]::new()
    }

    process {
        foreach ($text in $Address) {
            if ($Set) {
                $collected.Add($text)
                continue
            }
            try {
                $parsed = [ExchangeSoa.Api]::ParseProxyAddress($text) | ConvertFrom-Json
                [pscustomobject]@{
                    PSTypeName  = 'ExchangeSoa.ProxyAddress'
                    Address     = $text
                    IsValid     = $true
                    Prefix      = $parsed.prefix
                    AddressPart = $parsed.address
                    IsPrimary   = [bool]$parsed.primary
                    IsSmtp      = [bool]$parsed.is_smtp
                    Error       = $null
                }
            }
            catch {
                foreach ($message in @(Select-InvalidInputMessage -Cmdlet $PSCmdlet -ErrorRecord $_ -TargetObject $text)) {
                    [pscustomobject]@{
                        PSTypeName  = 'ExchangeSoa.ProxyAddress'
                        Address     = $text
                        IsValid     = $false
                        Prefix      = $null
                        AddressPart = $null
                        IsPrimary   = $false
                        IsSmtp      = $false
                        Error       = $message
                    }
                }
            }
        }
    }

    end {
        if (-not $Set) {
            return
        }
        $addresses = $collected.ToArray()
        try {
            $parsed = [ExchangeSoa.Api]::ParseProxyAddresses((ConvertTo-CompactJson -InputObject $addresses)) | ConvertFrom-Json
            [pscustomobject]@{
                PSTypeName         = 'ExchangeSoa.ProxyAddressSet'
                IsValid            = $true
                PrimarySmtpAddress = $parsed.primary_smtp
                Addresses          = [string[]]@($parsed.addresses | ForEach-Object { $_.text })
                Count              = $addresses.Count
                Error              = $null
            }
        }
        catch {
            foreach ($message in @(Select-InvalidInputMessage -Cmdlet $PSCmdlet -ErrorRecord $_ -TargetObject $addresses)) {
                [pscustomobject]@{
                    PSTypeName         = 'ExchangeSoa.ProxyAddressSet'
                    IsValid            = $false
                    PrimarySmtpAddress = $null
                    Addresses          = [string[]]$addresses
                    Count              = $addresses.Count
                    Error              = $message
                }
            }
        }
    }
}
