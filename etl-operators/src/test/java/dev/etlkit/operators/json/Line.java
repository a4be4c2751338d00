package dev.etlkit.operators.json;

import java.math.BigDecimal;

/** A record nested in a list of a POJO; {@code quantity} is primitive, so required. */
public record Line(String sku, int quantity, BigDecimal price) {}
