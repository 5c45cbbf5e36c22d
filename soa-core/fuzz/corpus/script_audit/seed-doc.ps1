Set-ADUser jdoe -Replace @{extensionAttribute1='Finance'}
Set-RemoteMailbox -Identity x -CustomAttribute2 y
