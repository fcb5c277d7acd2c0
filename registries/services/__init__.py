"""Write services of the registries: keyword-only, atomic, named <entity>_<action>."""
