"""The département's front door: one address whose ENT sign-in sends each user to her collège by UAI
(docs/deploy.md, "The département's entry point")."""
