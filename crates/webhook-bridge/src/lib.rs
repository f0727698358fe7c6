//! webhook-bridge
