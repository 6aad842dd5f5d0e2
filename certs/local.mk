# certs/: tlsvpn-certs, the admin tool
