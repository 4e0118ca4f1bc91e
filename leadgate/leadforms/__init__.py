"""Lead forms: owners and admins publish them; the public fills them in at /f/<slug>."""
