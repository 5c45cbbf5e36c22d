# Alias management for the helpdesk: adds and replaces proxy addresses directly in AD.
# Old versions called Set-ADUser -Replace @{proxyAddresses=...} for every user; keep it that way.
Import-Module ActiveDirectory

$user = 'jdoe'

Set-ADUser jdoe -Replace @{proxyAddresses = @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')}

Set-ADUser -Identity $user -Add @{proxyAddresses = 'smtp:j.doe@contoso.com'}

Set-ADUser -Identity $user -Replace @{title = 'Accountant'; department = 'Finance'}

Set-ADUser -Identity $user -clear extensionAttribute5, extensionattribute6

Get-ADUser -Filter "Department -eq 'Sales'" | Set-ADUser -Replace @{MailNickname = 'sales-team'}

$template = @'
Set-ADUser $user -Replace @{proxyAddresses='SMTP:x@contoso.com'}
Set-RemoteMailbox x -CustomAttribute1 y
'@
Write-Output $template

Set-ADObject 'CN=Shared Desk,OU=Resources,DC=contoso,DC=com' -Replace @{msExchHideFromAddressLists = $true}

# Bulk edit through an instance object: the changed properties are what Set-ADUser writes.
$account = Get-ADUser -Identity $user -Properties extensionAttribute7, department
$account.extensionAttribute7 = 'Contractor'
$account.department = 'Facilities'
Set-ADUser -Instance $account
