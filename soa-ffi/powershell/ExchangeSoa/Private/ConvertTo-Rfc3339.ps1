# RFC 3339 text in UTC for the library. A DateTime of unspecified kind (what [datetime]'2026-01-01'
# gives) is taken as local time, as PowerShell itself does.
function ConvertTo-Rfc3339 {
    param([datetime] $Time)

    $utc = $Time.ToUniversalTime()
    return $utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}
