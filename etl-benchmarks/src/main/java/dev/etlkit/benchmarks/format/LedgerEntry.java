package dev.etlkit.benchmarks.format;

import java.math.BigDecimal;
import javax.annotation.Nullable;

/**
 * The {@link Shape#DECIMAL_10} document: a ledger line of ten flat fields, six of them decimals of
 * small to large precision ({@code lifetimeVolume}'s 24 digits go beyond a long), one of those
 * optional. A quarter of the decimals are everyday values (0, 1, 10, 0.01, 0.1, 12.34 at the
 * column's scale), the others have any number of digits up to the precision, a tenth of them
 * negative (see {@link DataModel}).
 */
public record LedgerEntry(
    long entryId,
    long accountId,
    String currency,
    String memo,
    @Decimal(precision = 5, scale = 0) BigDecimal quantity,
    @Decimal(precision = 9, scale = 2) BigDecimal unitPrice,
    @Decimal(precision = 5, scale = 4) BigDecimal fxRate,
    @Nullable @Decimal(precision = 7, scale = 2) BigDecimal discount,
    @Decimal(precision = 18, scale = 2) BigDecimal balance,
    @Decimal(precision = 24, scale = 6) BigDecimal lifetimeVolume) {}
