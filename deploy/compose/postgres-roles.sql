-- The two roles Agent Factory uses (compose.yaml): the owner applies migrations; the
-- application role owns nothing and bypasses nothing, so row-level security binds it.
-- Change the passwords (and compose.yaml's URLs) for anything but a trial.
CREATE ROLE agf_owner LOGIN CREATEDB PASSWORD 'agf_owner';
CREATE ROLE agf_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'agf_app';
CREATE DATABASE agent_factory OWNER agf_owner;
-- Knowledge bases need pgvector (the image carries it); only a superuser may create it.
\connect agent_factory
CREATE EXTENSION IF NOT EXISTS vector;
