# The cloud a connection goes to, as the library takes it (Text: a national cloud's name, or JSON
# with the exchange and login hosts) and for people (Name). -ExchangeUrl and -LoginUrl go
# together: one without the other is an error.
function ConvertTo-CloudSelection {
    param([string] $Cloud, [string] $ExchangeUrl, [string] $LoginUrl)

    $exchangeGiven = -not [string]::IsNullOrEmpty($ExchangeUrl)
    $loginGiven = -not [string]::IsNullOrEmpty($LoginUrl)
    if ($exchangeGiven -ne $loginGiven) {
        throw [System.ArgumentException]::new('-ExchangeUrl and -LoginUrl go together: give both (for the emulator, both are its BaseUrl).')
    }
    if ($exchangeGiven) {
        return [pscustomobject]@{
            Text = ConvertTo-CompactJson -InputObject ([ordered]@{ exchange = $ExchangeUrl; login = $LoginUrl })
            Name = "Custom ($ExchangeUrl)"
        }
    }
    return [pscustomobject]@{ Text = $Cloud; Name = $Cloud }
}
