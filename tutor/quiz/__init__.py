"""tutor.quiz"""
