"""Templates and letterheads (issue 18): types, the template input, queries, mutations/."""
