"""Who and which shipment a complaint is about: tracking numbers, phones and e-mails found in the text,
and the client they lead to.

Grain is kept: one row per complaint in, one out, with ``client_id`` resolved and ``identity_method``
saying how: ``field`` (the export names the client), ``handle`` (known social handle), ``phone`` /
``email`` (a client's contact found in the text or in a contact column), ``tracking`` (a tracking number
already tied to a client), or ``none``.
"""

from __future__ import annotations

import polars as pl

from transforms.masking import EMAIL, PHONES

DEFAULT_TRACKING_PATTERN = r"(?-u:\b)(?:20|59)\d{12}(?-u:\b)"


def normalize_phone(expr: pl.Expr) -> pl.Expr:
    """Last nine digits: +380 67 123 45 67, 067-123-45-67 and 0671234567 all become 671234567."""
    digits = expr.str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() >= 9).then(digits.str.slice(-9)).otherwise(None)


def extract_identifiers(frame: pl.DataFrame, tracking_pattern: str = DEFAULT_TRACKING_PATTERN) -> pl.DataFrame:
    """Add ``tracking_numbers`` (field + text, unique), ``phones_found`` and ``emails_found`` (normalised)."""
    text = pl.col("text").fill_null("")
    phone_lists = [text.str.extract_all(p) for p in PHONES]
    return frame.with_columns(
        pl.concat_list([
            pl.concat_list([pl.col("tracking_number").str.extract_all(tracking_pattern).fill_null([])]),
            text.str.extract_all(tracking_pattern),
        ]).list.unique(maintain_order=True).alias("tracking_numbers"),
        pl.concat_list([*phone_lists, pl.concat_list([pl.col("phone")]).list.drop_nulls()])
        .list.eval(normalize_phone(pl.element())).list.drop_nulls().list.unique(maintain_order=True)
        .alias("phones_found"),
        pl.concat_list([text.str.extract_all(EMAIL), pl.concat_list([pl.col("email")]).list.drop_nulls()])
        .list.eval(pl.element().str.to_lowercase()).list.unique(maintain_order=True).alias("emails_found"),
    )


def resolve_clients(
    frame: pl.DataFrame,
    handles: pl.DataFrame,
    contacts: pl.DataFrame,
    known_tracking: pl.DataFrame,
    platform: str | None,
) -> pl.DataFrame:
    """Fill ``client_id`` where the export does not name it.

    ``handles``: platform, handle, client_id. ``contacts``: client_id, phone_norm, email_norm.
    ``known_tracking``: tracking_number, client_id (from complaints whose client is known), one row per
    tracking number (joined as is: the history holds a million of them).
    """
    out = frame.with_row_index("_ix").with_columns(
        pl.when(pl.col("client_id").is_not_null()).then(pl.lit("field")).otherwise(None).alias("identity_method"))
    candidates = [out.filter(pl.col("client_id").is_not_null()).select("_ix", "client_id", pl.lit(0).alias("_rank"))]
    if platform and handles.height:
        by_handle = out.select("_ix", "author_handle").join(
            handles.filter(pl.col("platform") == platform).select(
                pl.col("handle").alias("author_handle"), "client_id"), on="author_handle")
        candidates.append(by_handle.select("_ix", "client_id", pl.lit(1).alias("_rank")))
    if contacts.height:
        phones = out.select("_ix", pl.col("phones_found").alias("phone_norm")).explode("phone_norm").join(
            contacts.select("phone_norm", "client_id").drop_nulls().unique("phone_norm"), on="phone_norm")
        emails = out.select("_ix", pl.col("emails_found").alias("email_norm")).explode("email_norm").join(
            contacts.select("email_norm", "client_id").drop_nulls().unique("email_norm"), on="email_norm")
        candidates += [phones.select("_ix", "client_id", pl.lit(2).alias("_rank")),
                       emails.select("_ix", "client_id", pl.lit(3).alias("_rank"))]
    # a tracking number tied to a client before wins; else the first complaint of this file naming both
    named = (out.select("_ix", pl.col("tracking_numbers").alias("tracking_number")).explode("tracking_number")
             .drop_nulls())
    # the history's numbers this file names (a scan of the history, not a hash table of it per join)
    known = known_tracking.select("tracking_number", "client_id").filter(
        pl.col("tracking_number").is_in(named["tracking_number"].implode()))
    tracked = (out.filter(pl.col("client_id").is_not_null())
               .select(pl.col("tracking_numbers").alias("tracking_number"), "client_id").explode("tracking_number")
               .drop_nulls().unique("tracking_number", keep="first", maintain_order=True)
               .join(known, on="tracking_number", how="anti"))
    by_tracking = pl.concat([named.join(known, on="tracking_number"), named.join(tracked, on="tracking_number")])
    candidates.append(by_tracking.select("_ix", "client_id", pl.lit(4).alias("_rank")))

    methods = {0: "field", 1: "handle", 2: "phone", 3: "email", 4: "tracking"}
    best = (pl.concat(candidates).sort("_ix", "_rank", maintain_order=True).unique("_ix", keep="first")
            .with_columns(pl.col("_rank").replace_strict(methods, return_dtype=pl.String).alias("_method")))
    return (
        out.drop("client_id", "identity_method")
        .join(best.select("_ix", "client_id", "_method"), on="_ix", how="left", maintain_order="left")
        .with_columns(pl.col("_method").fill_null("none").alias("identity_method"))
        .drop("_ix", "_method")
    )
