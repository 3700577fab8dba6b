"""Files in and out: delimited tables, model JSON, sessions; every write atomic (`atomic`)."""
