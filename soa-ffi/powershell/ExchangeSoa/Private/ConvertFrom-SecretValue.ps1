# The plain text of a SecureString (or of a string), for the JSON handed to the library.
function ConvertFrom-SecretValue {
    param([object] $Value)

    if ($Value -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Value).Password
    }
    return [string]$Value
}
