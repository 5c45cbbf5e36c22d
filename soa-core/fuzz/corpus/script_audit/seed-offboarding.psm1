# Offboarding module: disables leavers, hides them from the GAL, deletes them after 30 days.

function Disable-Leaver {
    param([Parameter(Mandatory)] [string] $Identity)

    Disable-ADAccount -Identity $Identity
    Set-ADUser -Identity $Identity -Replace @{msExchHideFromAddressLists = $true}
    Set-ADUser -Identity $Identity -Enabled $false -Description 'Leaver'
}

function Remove-ExpiredLeaver {
    param([int] $Days = 30)

    $cutoff = (Get-Date).AddDays(-$Days)
    Get-ADUser -Filter { Enabled -eq $false -and whenChanged -lt $cutoff } -SearchBase 'OU=Leavers,DC=contoso,DC=com' |
        Remove-ADUser -Confirm:$false
}

Export-ModuleMember -Function Disable-Leaver, Remove-ExpiredLeaver
