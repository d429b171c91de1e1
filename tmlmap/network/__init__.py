"""The term network: vocabulary, co-occurrence, backbone, communities, labels, layout.

Data flow: document-term counts -> :func:`select_vocabulary` -> :func:`cooccurrence_matrix`
-> :func:`edge_weights` -> backbone filters -> :func:`detect_communities` (Louvain consensus)
-> :func:`label_communities` -> :func:`layout_positions`. Plain arrays in and out.
"""

from tmlmap.network.backbone import disparity_filter, min_count_filter, top_k_filter
from tmlmap.network.communities import detect_communities, louvain, mean_pairwise_ari, modularity
from tmlmap.network.cooccurrence import cooccurrence_matrix, edge_weights, incidence, select_rows
from tmlmap.network.labels import Community, label_communities
from tmlmap.network.layout import layout_positions, strongest_edges, top_terms
from tmlmap.network.vocabulary import document_frequency, relevance_scores, select_vocabulary

__all__ = [
    "Community",
    "cooccurrence_matrix",
    "detect_communities",
    "disparity_filter",
    "document_frequency",
    "edge_weights",
    "incidence",
    "label_communities",
    "layout_positions",
    "louvain",
    "mean_pairwise_ari",
    "min_count_filter",
    "modularity",
    "relevance_scores",
    "select_rows",
    "select_vocabulary",
    "strongest_edges",
    "top_k_filter",
    "top_terms",
]
