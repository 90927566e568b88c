// Placeholder: the chat-provider issue replaces this file.
export type { ChatContext, ChatReply, ChatProvider } from './provider.js';
