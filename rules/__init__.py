"""The rules and use cases of the service, as plain functions that know no GraphQL.

Who may do what (`authorization`), what input is valid (`validation`), the contact and
invitation lifecycles (`contacts`, `invitations`), the audit trail, and every message in
English and French. Resolvers call one use case each; tests call them directly.
"""
