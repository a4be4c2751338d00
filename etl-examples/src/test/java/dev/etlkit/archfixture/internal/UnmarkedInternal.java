package dev.etlkit.archfixture.internal;

/** Violates the internal rule on purpose: public, internal, but not {@code @Internal}. */
public final class UnmarkedInternal {}
