"""The plain SQL of the labelling hot path: the next task, the submit, the task's payload,
the annotator's progress, and the project and token checks every page and API call
starts with.

Composing these statements with the ORM cost more CPU than running them (bench/README.md,
"Labelling hot path"), so they are written out, in
SQL that SQLite and Postgres both read, on Django's own tables. Everything else in the
app stays with the ORM.

One module per concern, each statement once:

    tables       the tables' quoted names, and the joins statements share
    leases       when a lease is live, what keeps a task from an annotator, a task's
                 live leases, taking a lease
    assignments  picking the next task, the annotator's held lease, their assignment
    labels       the submit: the locked assignment, the stored label, the finished lease
    progress     what the labelling page shows beside each task
    tasks        a task's prompt and candidates, as shown
    projects     a project with the caller's membership
    tokens       the API token's user
    rows         running statements; rows into model instances (the ORM's converters)

Conventions, so that a statement reads alone:

- Parameters are named, `%(name)s` (psycopg takes them; Django's SQLite backend turns
  them into `:name`), one name per value: `project`, `annotator`, `now`, `task`... A
  fragment says which names it adds; a statement passes one dict.
- Every table is aliased by its model's name (`task`, `assignment`, `label`, `codebook`,
  `project`, `prompt`, `membership`, `acknowledgement`, `candidate`, `task_candidate`,
  `token`), a user by their role (`annotator`, `account`). An assignment table met
  again inside a statement is named by what it selects: `mine` (the annotator's own
  assignment of a task), `live` (a task's live leases).
- Statement builders are cached: the default database's vendor and features are fixed
  for the process, as the tables' quoted names are.
"""
