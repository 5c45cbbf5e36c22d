# Nightly HR feed: cost centre and office from the HR export.
param([string] $Path = '\\hr01\exports\people.csv')

Add-PSSnapin *RecipientManagement

Import-Csv -Path $Path | ForEach-Object {
    $mailboxParams = @{
        Identity           = $_.UserPrincipalName
        CustomAttribute10  = $_.CostCentre
        CustomAttribute11  = $_.Division
    }
    Set-RemoteMailbox @mailboxParams

    $adChanges = @{}
    $adChanges['extensionAttribute12'] = $_.Grade
    Set-ADUser -Identity $_.SamAccountName -Replace $adChanges
}

function Update-FromFeed {
    param([hashtable] $Splat)
    Set-RemoteMailbox @Splat
}
