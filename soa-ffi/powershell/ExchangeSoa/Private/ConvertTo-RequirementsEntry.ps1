# The parts of a Preflight that both Test-SoaPrerequisite and Test-SoaMailbox pass.
function ConvertTo-RequirementsEntry {
    param([System.Collections.IDictionary] $Requirement, [System.Collections.IDictionary] $Preflight)

    if ($null -ne $Requirement -and $Requirement.Count -gt 0) {
        $Preflight['requirements'] = $Requirement
    }
}
