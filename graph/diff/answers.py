"""One side of a comparison: an instance's answers on a bucket, and where they may differ.

An instance's answer for an action is the strongest over every chain of roles it can act as
(its profile's roles, then roles they can assume), as in who-can. Instances of one profile
share their answers unless a statement reads an instance's own keys, so everything here is
kept per chain set (per profile) and per role, not per instance.

`candidates` is what makes a diff cheap: the two sides' answers are grouped by the value of
their shared answer (graph.access.reach.reuse makes identical decisions the same object on both
sides; equal values group together either way), and only buckets whose group differs between
the sides can have a different answer.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping

from graph.access import AccessGraph, ActionAccess
from graph.access.model import OUTCOME_RANK
from graph.access.reach.build import Chain
from graph.access.reach.chain import through
from graph.findings.answer_values import answers_key
from graph.model import Instance

#: action -> (answer, the chain of roles it came through)
Merged = dict[str, tuple[ActionAccess, tuple[str, ...]]]
#: A chain as far as its answers go: its roles and what each hop adds.
ChainSig = tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]
#: the value of a shared answer map (`answers_key`) -> (the map, the buckets sharing it)
Groups = dict[Hashable, tuple[Mapping[str, ActionAccess], list[str]]]


def chain_sig(chain: Chain) -> ChainSig:
    return chain.roles, tuple((h.outcome.value, tuple(str(c) for c in h.conditions))
                              for h in chain.hops)


class SideAnswers:
    """Answers of one snapshot, cached per profile and per role."""

    def __init__(self, graph: AccessGraph) -> None:
        self.graph = graph
        #: The account's buckets (the public's and other accounts' rows are theirs).
        self.own_buckets = graph.data.bucket_by_name
        foreign = graph.data.foreign
        #: Every bucket the instances' answers can be on: the account's, and in an
        #: organisation's analysis the other accounts' its roles reach.
        self.buckets: Collection[str] = self.own_buckets if foreign is None else (
            set(self.own_buckets) | set(foreign.buckets))
        self._chains: dict[str, tuple[Chain, ...]] = {}
        self._groups: dict[tuple[str, str], Groups] = {}

    def chains(self, inst: Instance | None) -> tuple[Chain, ...]:
        """The chains of roles the instance acts as (none when it is not on this side)."""
        if inst is None:
            return ()
        key = inst.instance_profile_arn or ""
        found = self._chains.get(key)
        if found is None:
            found = self._chains[key] = tuple(self.graph.instance_chains(inst))
        return found

    def own(self, inst: Instance | None) -> bool:
        """Whether the instance's answers are its own (a statement reads its keys)."""
        return inst is not None and self.graph.data.instance_plan(inst)[1]

    def plan(self, inst: Instance | None) -> tuple[tuple[ChainSig, ...], str]:
        """What the instance's answers depend on: its chains, and itself if they are its own."""
        sigs = tuple(chain_sig(c) for c in self.chains(inst))
        return sigs, (inst.instance_id if inst is not None and self.own(inst) else "")

    def groups(self, role_arn: str, inst: Instance | None) -> Groups:
        """The role's buckets by shared answer map (the instance's own, when it reads them)."""
        key = (role_arn, inst.instance_id if inst is not None else "")
        found = self._groups.get(key)
        if found is None:
            found = {}
            for res, names in self.graph.role_classes(role_arn, inst):
                value = answers_key(res)
                entry = found.get(value)
                if entry is None:
                    found[value] = (res, list(names))
                else:
                    entry[1].extend(names)
            self._groups[key] = found
        return found

    def role_answers(self, chain: Chain, bucket: str, inst: Instance | None
                     ) -> Mapping[str, ActionAccess]:
        if bucket not in self.buckets:
            return {}
        own = inst if len(chain.roles) == 1 and self.own(inst) else None
        return self.graph.role_bucket(chain.roles[-1], bucket, own)

    def merged(self, chains: tuple[Chain, ...], bucket: str, inst: Instance | None) -> Merged:
        """Each action's strongest answer over the chains, with the chain it came through
        (the first one on a tie)."""
        out: Merged = {}
        for chain in chains:
            for name, access in self.role_answers(chain, bucket, inst).items():
                access = through(access, chain.hops) if chain.hops else access
                current = out.get(name)
                if current is None or OUTCOME_RANK[access.outcome] > OUTCOME_RANK[
                        current[0].outcome]:
                    out[name] = (access, chain.roles)
        return out

    def touched(self, chains: tuple[Chain, ...], inst: Instance | None) -> set[str]:
        """Every bucket any of the chains has an answer on."""
        out: set[str] = set()
        for chain in chains:
            own = inst if len(chain.roles) == 1 and self.own(inst) else None
            for _, names in self.groups(chain.roles[-1], own).values():
                out.update(names)
        return out


def group_difference(old: Groups, new: Groups) -> set[str]:
    """Buckets whose shared answer map has not the same value on both sides."""
    out: set[str] = set()
    for key, (_, names) in old.items():
        other = new.get(key)
        if other is None:
            out.update(names)
        elif other[1] != names:
            out.update(set(names).symmetric_difference(other[1]))
    for key, (_, names) in new.items():
        if key not in old:
            out.update(names)
    return out
