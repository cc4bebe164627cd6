"""How a WinRM caller logged on (logon.py), the second hop that logon allows or refuses (second_hop.py),
CredSSP message framing (credssp.py) and the lab's Kerberos realm with its MIT KDC (kerberos.py)."""
