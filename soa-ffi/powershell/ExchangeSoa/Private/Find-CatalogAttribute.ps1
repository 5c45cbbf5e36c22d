# The catalog attributes (the library's JSON, parsed) that a name stands for: with wildcards, every
# attribute one of whose names (catalog, LDAP, Exchange property, parameter, Graph) matches; without,
# the attribute the library looks the name up as (an unknown name throws).
function Find-CatalogAttribute {
    param([object] $Catalog, [string] $Name)

    if (-not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Name)) {
        return ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::Lookup($Catalog, $Name))
    }
    $pattern = [System.Management.Automation.WildcardPattern]::new($Name, 'IgnoreCase')
    foreach ($attribute in @(ConvertFrom-JsonArray -Json ([ExchangeSoa.Api]::CatalogJson($Catalog)))) {
        $names = @($attribute.name, $attribute.ldap_name, $attribute.exo_property, $attribute.parameter, $attribute.graph_name)
        $matched = @($names | Where-Object { $null -ne $_ -and $pattern.IsMatch($_) })
        if ($matched.Count -gt 0) {
            $attribute
        }
    }
}
