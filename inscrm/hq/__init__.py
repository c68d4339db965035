"""The headquarters workspace: the whole network's customers in one place (DESIGN §5, network
view). Plain functions over the rows the branches' bundles brought; HQ changes none of them.

`overview` the network at a glance, `persons` one person (ID number) across branches, `flags`
the network-wide key and blacklist flags that travel down, `comparison` the branches side by
side, `simulation` rule drafts and what they would do, `blacklist` the network blacklist and
HQ's sharing decisions, `exports` the consolidated downloads.
"""
