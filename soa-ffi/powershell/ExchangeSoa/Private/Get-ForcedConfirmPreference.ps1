# The usual -Force rule of a ConfirmImpact='High' cmdlet: -Force without -Confirm turns the prompt
# off for this call ('None'); otherwise the preference stays as it is.
function Get-ForcedConfirmPreference {
    param([System.Collections.IDictionary] $BoundParameters, [object] $Current)

    if ($BoundParameters['Force'] -and -not $BoundParameters.ContainsKey('Confirm')) {
        return [System.Management.Automation.ConfirmImpact]::None
    }
    return $Current
}
