# The Preflight of Test-SoaPrerequisite's parameters as JSON: the versions parsed by the library
# (an empty one is unknown), the tenant, the caller when any of its parameters is given, and the
# requirements when any is changed.
function ConvertTo-ManualPreflightJson {
    param(
        [string] $ConnectSyncVersion,
        [string] $CloudSyncAgentVersion,
        [bool] $WritebackWanted,
        [bool] $WritebackEnabled,
        [bool] $CloudManagedByDefault,
        [bool] $OnPremisesProvisioningInUse,
        [uint64] $CloudManagedMailboxCount,
        [string] $CallerName,
        [string[]] $Role,
        [string[]] $CustomRoleParameter,
        [System.Collections.IDictionary] $Requirement,
        [System.Collections.IDictionary] $BoundParameters
    )

    $versions = @{}
    foreach ($pair in @(@('connect', $ConnectSyncVersion), @('agent', $CloudSyncAgentVersion))) {
        $versions[$pair[0]] = $null
        if (-not [string]::IsNullOrWhiteSpace($pair[1])) {
            $versions[$pair[0]] = [ExchangeSoa.Api]::ParseSyncVersion($pair[1])
        }
    }
    $preflight = [ordered]@{
        sync   = [ordered]@{
            connect_sync_version     = $versions['connect']
            cloud_sync_agent_version = $versions['agent']
            writeback_wanted         = $WritebackWanted
        }
        tenant = [ordered]@{
            cloud_managed_by_default        = $CloudManagedByDefault
            on_premises_provisioning_in_use = $OnPremisesProvisioningInUse
            cloud_managed_mailboxes         = $CloudManagedMailboxCount
            writeback_enabled               = $WritebackEnabled
        }
    }
    if ($BoundParameters.ContainsKey('Role') -or $BoundParameters.ContainsKey('CustomRoleParameter') -or $BoundParameters.ContainsKey('CallerName')) {
        $name = ''
        if (-not [string]::IsNullOrEmpty($CallerName)) {
            $name = $CallerName
        }
        $preflight['caller'] = [ordered]@{
            name                   = $name
            roles                  = [string[]]@($Role | Where-Object { $null -ne $_ })
            custom_role_parameters = [string[]]@($CustomRoleParameter | Where-Object { $null -ne $_ })
        }
    }
    ConvertTo-RequirementsEntry -Requirement $Requirement -Preflight $preflight
    return ConvertTo-CompactJson -InputObject $preflight
}
