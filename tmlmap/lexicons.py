"""Documented word lists: research boilerplate stop words and topic lexicons.

Topic lexicons name communities (:mod:`tmlmap.network.labels`) and seed the topic
fingerprints (:mod:`tmlmap.risk.fingerprint`). They hold *concept* words of each
topic only, never application contexts: that "recidivism" or "loan" relate to
fairness must come from the map's co-occurrence links, not from a list.
Entries are written naturally; they are normalized (lemmatized, phrases joined)
by the same :class:`~tmlmap.text.normalize.TermExtractor` as the corpus before use.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Words that occur in almost every abstract and carry no topic: dropped like
#: stop words (in addition to spaCy's English list). Compared after
#: lowercasing, both as written and lemmatized.
RESEARCH_BOILERPLATE: frozenset[str] = frozenset(
    ["propose", "proposed", "proposes", "proposing", "paper", "papers", "result", "results", "show", "shows", "showed", "shown", "approach", "approaches", "method", "methods", "work", "works", "present", "presents", "presented", "study", "studies", "studied", "novel", "new", "existing", "previous", "prior", "recent", "recently", "demonstrate", "demonstrates", "demonstrated", "experiment", "experiments", "experimental", "experimentally", "empirical", "empirically", "evaluate", "evaluated", "evaluation", "art", "state-of-the-art", "stateoftheart", "outperform", "outperforms", "outperforming", "achieve", "achieves", "achieved", "achieving", "use", "used", "uses", "using", "based", "improve", "improves", "improved", "improvement", "improvements", "provide", "provides", "provided", "introduce", "introduces", "introduced", "address", "addresses", "addressed", "consider", "considers", "considered", "develop", "develops", "developed", "problem", "problems", "paper's", "article", "framework", "frameworks", "technique", "techniques", "significantly", "significant", "effective", "effectively", "efficient", "efficiently", "well", "also", "however", "furthermore", "moreover", "therefore", "thus", "often", "many", "several", "various", "different", "important", "including", "include", "includes", "given", "give", "gives", "obtain", "obtained", "obtains", "able", "allow", "allows", "allowing", "enable", "enables", "make", "makes", "making", "way", "ways", "first", "second", "third", "one", "two", "three", "number", "large", "small", "high", "low", "good", "better", "best", "task", "tasks", "performance", "superior", "compared", "comparison", "comparable", "extensive", "extensively", "code", "available", "publicly", "github", "com", "http", "https", "www", "et", "al", "ie", "eg", "e.g.", "i.e.", "etc", "show", "aim", "aims", "goal", "goals", "finally", "particular", "particularly", "specifically", "respectively", "able", "lead", "leads", "leading", "term", "terms", "set", "sets", "case", "cases", "general", "generally", "simple", "simply", "key", "main", "existing", "widely", "wide", "range", "apply", "applied", "applies", "application", "applications", "field", "fields", "area", "areas", "recent", "task-specific", "benchmark", "benchmarks", "dataset", "datasets", "data-set", "empirical"]
)


@dataclass(frozen=True)
class Topic:
    """A named topic: ``key`` (``"fairness"``), display ``name``, whether it is
    a trustworthy-ML topic (``twml``) and its concept ``seeds``."""

    key: str
    name: str
    twml: bool
    seeds: tuple[str, ...]


def _t(key: str, name: str, twml: bool, seeds: str) -> Topic:
    return Topic(key, name, twml, tuple(s.strip() for s in seeds.split(",") if s.strip()))


#: Topic lexicons. The first five are the trustworthy-ML topics; the rest name
#: the other communities of an ML map when their top terms support it.
TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        _t(
            "fairness",
            "Fairness & bias",
            True,
            "fairness, fair, unfair, unfairness, discrimination, discriminatory, demographic, "
            "demographic parity, equalized odds, equal opportunity, disparate impact, "
            "disparate treatment, protected attribute, sensitive attribute, protected group, "
            "group fairness, individual fairness, fairness constraint, gender, race, racial, "
            "ethnicity, stereotype, minority, disparity, parity, equity, justice, social, "
            "marginalized, societal bias",
        ),
        _t(
            "privacy",
            "Privacy",
            True,
            "privacy, private, differential privacy, differentially private, privacy preserving, "
            "privacy-preserving, membership inference, anonymization, anonymity, "
            "de-identification, confidential, confidentiality, privacy guarantee, privacy budget, "
            "privacy loss, secure aggregation, homomorphic encryption, model inversion, "
            "data protection, sensitive data, privacy leakage",
        ),
        _t(
            "robustness",
            "Robustness & security",
            True,
            "adversarial, adversarial example, adversarial attack, adversarial training, "
            "adversarial perturbation, adversarial robustness, robustness, robust, certified, "
            "certified robustness, poisoning, data poisoning, backdoor, attack, attacker, defense, "
            "threat model, security, trojan, evasion, perturbation",
        ),
        _t(
            "explainability",
            "Explainability & transparency",
            True,
            "interpretability, interpretable, explanation, explainable, explainability, saliency, "
            "saliency map, attribution, feature attribution, feature importance, "
            "counterfactual explanation, transparency, shapley value, post-hoc, concept",
        ),
        _t(
            "safety",
            "Safety & alignment",
            True,
            "safety, safe, alignment, harmful, harm, toxicity, toxic, hallucination, jailbreak, "
            "red teaming, misuse, trustworthy, accountability, ethical, ethics",
        ),
        _t(
            "reinforcement",
            "Reinforcement learning",
            False,
            "reinforcement learning, reward, policy, agent, environment, exploration, "
            "markov decision process, q-learning, regret, bandit, trajectory",
        ),
        _t(
            "deep_learning",
            "Deep learning",
            False,
            "neural network, deep neural network, layer, convolutional, architecture, training, "
            "gradient descent, deep learning, weight, activation, transformer",
        ),
        _t(
            "optimization",
            "Optimization",
            False,
            "optimization, convex, gradient, convergence, stochastic gradient, "
            "stochastic gradient descent, nonconvex, objective, rate, iteration, solver",
        ),
        _t(
            "probabilistic",
            "Bayesian & probabilistic models",
            False,
            "bayesian, posterior, inference, variational, variational inference, prior, "
            "likelihood, gaussian process, sampling, markov chain monte carlo, latent",
        ),
        _t(
            "language",
            "Language & text",
            False,
            "language, language model, large language model, text, word, sentence, translation, "
            "nlp, natural language, token, question answering",
        ),
        _t(
            "vision",
            "Vision & images",
            False,
            "image, vision, computer vision, visual, pixel, object, video, segmentation, "
            "object detection, scene",
        ),
        _t(
            "graphs",
            "Graphs & networks",
            False,
            "graph, node, edge, graph neural network, network, community, spectral, clustering",
        ),
        _t(
            "theory",
            "Learning theory",
            False,
            "bound, sample complexity, theorem, upper bound, lower bound, generalization bound, "
            "pac, complexity, minimax, estimator",
        ),
        _t(
            "neuroscience",
            "Neuroscience",
            False,
            "neuron, neural, brain, cortex, spike, synaptic, cortical, firing, cell, stimulus",
        ),
        _t(
            "generative",
            "Generative models",
            False,
            "generative, generative model, generative adversarial network, gan, diffusion model, "
            "autoencoder, variational autoencoder, density, sample, generation",
        ),
    )
}

#: The trustworthy-ML topics (the reference's TwML communities).
TWML_TOPICS: tuple[str, ...] = tuple(k for k, t in TOPICS.items() if t.twml)
