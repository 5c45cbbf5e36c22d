# The SoaException inside the wrappers PowerShell puts around exceptions from .NET methods.
function Get-NativeException {
    param([System.Exception] $Exception)

    $current = $Exception
    while ($null -ne $current) {
        if ($current -is [ExchangeSoa.SoaException]) {
            return $current
        }
        $current = $current.InnerException
    }
    return $null
}
