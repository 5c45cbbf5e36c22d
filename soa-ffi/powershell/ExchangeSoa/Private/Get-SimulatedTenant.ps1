# The tenant of an organization the module did not name itself (a generated or loaded one), from
# Get-OrganizationConfig through the organization's Exchange Online; $null when the caller may not
# read it.
function Get-SimulatedTenant {
    param([object] $Handle)

    $backend = $null
    try {
        $backend = [ExchangeSoa.Api]::BackendFromSim($Handle)
        return (ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::GetOrganizationConfig($backend))).Name
    }
    catch {
        return $null
    }
    finally {
        if ($null -ne $backend) {
            $backend.Dispose()
        }
    }
}
