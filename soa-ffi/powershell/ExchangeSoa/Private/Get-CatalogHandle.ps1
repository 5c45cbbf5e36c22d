# The catalog to use: the built-in one, or the built-in one with an override file applied. Both
# are cached; an override file is read again when it changes.
function Get-CatalogHandle {
    param([string] $OverridePath)

    if ($null -eq $script:BuiltinCatalog -or $script:BuiltinCatalog.IsClosed) {
        $script:BuiltinCatalog = [ExchangeSoa.Api]::BuiltinCatalog()
    }
    if ([string]::IsNullOrEmpty($OverridePath)) {
        return $script:BuiltinCatalog
    }
    $item = Get-Item -LiteralPath $OverridePath -ErrorAction Stop
    $fullPath = $item.FullName
    $stamp = $item.LastWriteTimeUtc.Ticks
    $cached = $script:OverrideCatalogs[$fullPath]
    if ($null -ne $cached -and $cached.Stamp -eq $stamp -and -not $cached.Handle.IsClosed) {
        return $cached.Handle
    }
    $handle = [ExchangeSoa.Api]::WithOverrideFile($script:BuiltinCatalog, $fullPath)
    if ($null -ne $cached) {
        $cached.Handle.Dispose()
    }
    $script:OverrideCatalogs[$fullPath] = @{ Stamp = $stamp; Handle = $handle }
    return $handle
}
