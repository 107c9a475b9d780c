/** Service interfaces that Rivet's engine implements; applications do not call them. */
package dev.rivet.linker.spi;
