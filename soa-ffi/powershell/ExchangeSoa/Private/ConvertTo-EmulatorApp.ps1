# The app registrations of Start-SoaEmulator -App (hashtables with ClientId, Principal and an
# optional Secret) as the library's entries, one per app; the secret in plain text.
function ConvertTo-EmulatorApp {
    param([System.Collections.IDictionary[]] $App)

    foreach ($entry in @($App | Where-Object { $null -ne $_ })) {
        $registered = [ordered]@{ client_id = [string]$entry['ClientId']; principal = [string]$entry['Principal'] }
        if ($null -ne $entry['Secret']) {
            $registered['secret'] = ConvertFrom-SecretValue -Value $entry['Secret']
        }
        $registered
    }
}
