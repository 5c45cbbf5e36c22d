Set-ADUser jdoe –Replace @{proxyAddresses=‘SMTP:a@b.com’}
