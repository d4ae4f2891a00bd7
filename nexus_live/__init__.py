"""Nexus Live: live rooms and co-edited challenge boards for backend and frontend learners."""
