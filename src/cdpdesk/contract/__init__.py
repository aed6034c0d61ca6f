"""The public contract: ``cdpdesk.case/1`` in, ``cdpdesk.analysis/1`` out."""

from cdpdesk.contract.case import CaseFile, load_case, load_case_dict
from cdpdesk.contract.errors import CaseError, ErrorItem

__all__ = ["CaseError", "CaseFile", "ErrorItem", "load_case", "load_case_dict"]
