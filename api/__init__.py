"""Guilu service: GraphQL API, domain services and demo data."""
