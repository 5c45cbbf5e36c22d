# Moves the source of authority of a pilot group to Exchange Online.
Connect-ExchangeOnline -UserPrincipalName admin@contoso.onmicrosoft.com

$pilot = Get-Content .\pilot.txt
foreach ($m in $pilot) {
    Set-Mailbox -Identity $m -IsExchangeCloudManaged $true
}



# Approved in CHG0045123 (wave 2)
Set-Mailbox -Identity 'finance-shared@contoso.com' -IsExchangeCloudManaged $true




Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault $true
