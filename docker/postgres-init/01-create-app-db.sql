-- Run by the postgres image on first start only (empty data volume), as POSTGRES_USER.
-- The app keeps its own database so its migrations never touch Temporal's; Temporal's auto-setup
-- creates `temporal` and `temporal_visibility` itself.
CREATE DATABASE benefits;
