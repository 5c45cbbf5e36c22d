# The attributes a change map touches, for a ShouldProcess message: "A, B (add), C (remove)".
function Format-ChangeList {
    param([System.Collections.IDictionary] $Changes)

    $names = @($Changes['set'].Keys) + @($Changes['add'].Keys | ForEach-Object { "$_ (add)" }) +
        @($Changes['remove'].Keys | ForEach-Object { "$_ (remove)" })
    return ($names -join ', ')
}
